// The decision journal: canonical JSON and its keccak256, durable storage in PGlite (reopened from
// its data folder), write-ahead statuses and per-cycle lookup.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { keccak256, stringToBytes } from "viem";
import { canonicalJson, decisionHash, Journal, type DecisionBody } from "../../../agent/src/journal";
import { decisionBody } from "../helpers/decisionBody";

// This file's Safe is "0xSafe" (the journal keys by text; its own records are what it reads back).
const body = (over: Partial<DecisionBody> = {}): DecisionBody => decisionBody({ cycleKey: "31337:0xSafe:2024-03-01", ...over });

describe("agent/journal", function () {
  this.timeout(120_000);

  it("canonical JSON: sorted keys, bigints as strings, undefined dropped; the hash is keccak256 of it", () => {
    const a = canonicalJson({ b: 1n, a: { y: undefined, x: [2, 1] }, c: "é" });
    expect(a).to.equal('{"a":{"x":[2,1]},"b":"1","c":"é"}');
    expect(decisionHash({ a: { x: [2, 1] }, b: 1n, c: "é" })).to.equal(keccak256(stringToBytes(a)));
    expect(decisionHash(body())).to.equal(decisionHash(JSON.parse(canonicalJson(body()))));
    expect(decisionHash(body({ rationale: "other" }))).not.to.equal(decisionHash(body()));
    expect(() => canonicalJson({ x: NaN })).to.throw(/non-finite/);
  });

  it("stores records durably in PGlite: insert is idempotent by hash, statuses survive a reopen", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "journal-"));
    const b = body();
    const hash = decisionHash(b);
    let j = await Journal.open({ dataDir: dir });
    const first = await j.insert({ hash, cycleKey: b.cycleKey, date: b.date, status: "decided", path: "module", safeNonce: 3, body: b });
    expect(first.existed).to.equal(false);
    const again = await j.insert({ hash, cycleKey: b.cycleKey, date: b.date, status: "decided", path: "module", safeNonce: 3, body: b });
    expect(again.existed).to.equal(true);
    await j.update(hash, { status: "sending", agentNonce: 7, rawTx: "0x02ab", txHash: "0x12" });
    await j.event(b.cycleKey, "send", { note: "before broadcast" }, hash);
    await j.close();

    j = await Journal.open({ dataDir: dir });
    const row = (await j.get(hash))!;
    expect(row.status).to.equal("sending");
    expect(row.agentNonce).to.equal(7);
    expect(row.body).to.deep.equal(JSON.parse(canonicalJson(b)));
    expect(decisionHash(row.body)).to.equal(hash); // the stored body re-hashes to the on-chain hash
    expect((await j.unfinished()).map((r) => r.hash)).to.deep.equal([hash]);
    expect((await j.byCycle(b.cycleKey)).map((r) => r.hash)).to.deep.equal([hash]);
    expect(await j.events(b.cycleKey)).to.deep.equal([{ kind: "send", hash, detail: { note: "before broadcast" } }]);
    const later = body({ date: "2024-03-02", cycleKey: "31337:0xSafe:2024-03-02", inputs: { ...b.inputs, portfolio: { navUsd: 390000n * 10n ** 18n } } });
    await j.insert({ hash: decisionHash(later), cycleKey: later.cycleKey, date: later.date, status: "skipped", path: "none", safeNonce: 3, body: later });
    expect((await j.navByDate("31337:0xSafe:")).map((x) => [x.date, x.navUsd.slice(0, 6)])).to.deep.equal([["2024-03-01", "400000"], ["2024-03-02", "390000"]]);
    expect(await j.navByDate("31337:0xOther:")).to.deep.equal([]);
    await j.update(hash, { status: "executed", outcome: { navAfterUsd: 1n } });
    expect(await j.unfinished()).to.deep.equal([]);
    expect((await j.get(hash))!.outcome).to.deep.equal({ navAfterUsd: "1" });
    await j.close();
  });
  it("navHistory: this Safe's last N records' NAV, oldest first; null when the read had no usable price", async () => {
    const j = await Journal.open({ dataDir: "memory://" });
    try {
      const add = async (safe: string, date: string, nav: bigint, healthy?: boolean) => {
        const b = body({ date, cycleKey: `31337:${safe}:${date}`, inputs: { ...body().inputs, portfolio: { navUsd: nav, ...(healthy === undefined ? {} : { healthy }) } } });
        await j.insert({ hash: decisionHash(b), cycleKey: b.cycleKey, date, status: "skipped", path: "none", safeNonce: 3, body: b });
        return decisionHash(b);
      };
      await add("0xSafe", "2024-03-01", 400_000n * 10n ** 18n, true);
      const h2 = await add("0xSafe", "2024-03-02", 390_000n * 10n ** 18n);
      await add("0xOther", "2024-03-02", 1n);
      const h3 = await add("0xSafe", "2024-03-03", 0n, false);
      const got = await j.navHistory("31337:0xSafe:", 2);
      expect(got.map((p) => [p.date, p.hash, p.status, p.navUsd])).to.deep.equal([
        ["2024-03-02", h2, "skipped", (390_000n * 10n ** 18n).toString()],
        ["2024-03-03", h3, "skipped", null],
      ]);
      expect(got[0].at).to.be.instanceOf(Date);
      expect(got[0].at.getTime()).to.be.at.most(got[1].at.getTime());
      expect((await j.navHistory("31337:0xSafe:", 10)).map((p) => p.date)).to.deep.equal(["2024-03-01", "2024-03-02", "2024-03-03"]);
      expect(await j.navHistory("31337:0xNone:", 10)).to.deep.equal([]);
    } finally {
      await j.close();
    }
  });
});
