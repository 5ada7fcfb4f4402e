// Many treasuries on one Postgres journal (issue 20 §5, the journal's part): one agent per Safe, each
// with its own session, cannot take the other's lock; and every read an agent serves (status, the
// dashboard's decisions, NAV and series, open CoW orders, reconciliation) sees its own Safe only.
import { expect } from "chai";
import { decisionHash, Journal, type DecisionBody } from "../../../agent/src/journal";
import { startPostgres, type ScratchPostgres } from "../../../scripts/scratchPostgres";
import { decisionBody } from "../helpers/decisionBody";

const A = "0x00000000000000000000000000000000000000aA";
const B = "0x00000000000000000000000000000000000000bB";
const keyOf = (safe: string) => `31337:${safe}:`;

const body = (safe: string, date: string, nav: bigint): DecisionBody =>
  decisionBody({ cycleKey: `${keyOf(safe)}${date}`, date, safe, block: "10", safeNonce: 1, inputs: { market: { provider: "replay", sources: {}, issues: [] }, portfolio: { navUsd: (nav * 10n ** 18n).toString(), healthy: true } }, rationale: `${safe} on ${date}` });

describe("agent/journal: many Safes on one Postgres", function () {
  this.timeout(600_000);
  let pg: ScratchPostgres;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.stop();
  });

  it("two agents on one database: each holds its Safe's lock, neither can take the other's", async () => {
    const [a, b, intruder] = await Promise.all([Journal.open({ databaseUrl: pg.url }), Journal.open({ databaseUrl: pg.url }), Journal.open({ databaseUrl: pg.url })]);
    try {
      await a.lockSafe(`31337:${A}`);
      await b.lockSafe(`31337:${B}`);
      for (const s of [A, B]) {
        const e = await intruder.lockSafe(`31337:${s}`).then(() => "taken", (x: Error) => x.message);
        expect(e).to.match(new RegExp(`^another agent process holds the Safe 31337:${s} on this Postgres journal`));
      }
    } finally {
      await Promise.all([a.close(), b.close(), intruder.close()]);
    }
  });

  it("each Safe's decisions, NAV history, series and open records are its own (no cross-talk)", async () => {
    const [a, b] = await Promise.all([Journal.open({ databaseUrl: pg.url }), Journal.open({ databaseUrl: pg.url })]);
    try {
      // The same days for both, different NAVs; B's records are the newest overall.
      for (const [j, safe, nav] of [[a, A, 100n], [b, B, 900n]] as const)
        for (const [i, date] of ["2024-05-01", "2024-05-02"].entries()) {
          const x = body(safe, date, nav + BigInt(i));
          await j.insert({ hash: decisionHash(x), cycleKey: x.cycleKey, date, status: i === 0 ? "executed" : "sending", path: "module", safeNonce: 1, body: x });
        }
      const hashesOf = (rows: { body: DecisionBody }[]) => rows.map((r) => r.body.safe);
      expect(hashesOf(await a.recent(10, keyOf(A)))).to.deep.equal([A, A]);
      expect(hashesOf(await b.recent(10, keyOf(B)))).to.deep.equal([B, B]);
      expect((await a.navHistory(keyOf(A), 10)).map((p) => p.navUsd)).to.deep.equal([100n * 10n ** 18n, 101n * 10n ** 18n].map(String));
      expect((await b.navByDate(keyOf(B))).map((p) => p.navUsd)).to.deep.equal([900n * 10n ** 18n, 901n * 10n ** 18n].map(String));
      expect((await a.seriesRows(keyOf(A), 10)).map((r) => r.rationale)).to.deep.equal([`${A} on 2024-05-01`, `${A} on 2024-05-02`]);
      expect(hashesOf(await a.unfinished(keyOf(A)))).to.deep.equal([A]);
      expect(hashesOf(await b.watched(keyOf(B)))).to.deep.equal([B]);
      expect(await a.seriesStamp(keyOf(A))).to.match(/^2:/);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
