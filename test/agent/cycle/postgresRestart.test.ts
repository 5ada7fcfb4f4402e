// The journal on Postgres survives a server restart (the soak's db-restart fault killed the agent:
// an unhandled "error" from pg): queries fail while it is down, the Safe's advisory lock is taken
// again afterwards, and while it was lost another process can take the Safe, never both.
import { expect } from "chai";
import { Journal } from "../../../agent/src/journal";
import { startPostgres, type ScratchPostgres } from "../../../scripts/scratchPostgres";

describe("journal: a Postgres restart under a running agent", function () {
  this.timeout(300_000);
  let pg: ScratchPostgres;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.stop();
  });

  it("queries fail while the server is down, nothing crashes; afterwards the lock is held again and the journal writes", async () => {
    const key = "31337:0x00000000000000000000000000000000000005afe";
    const j = await Journal.open({ databaseUrl: pg.url });
    const other = await Journal.open({ databaseUrl: pg.url });
    try {
      await j.lockSafe(key);
      await j.event(`${key}:2024-07-01`, "test", { n: 1 });
      let downError = "";
      await pg.restart(async () => {
        // Give pg the time to notice the cut connections (the pool's "error" events).
        await new Promise((r) => setTimeout(r, 500));
        downError = await j.event(`${key}:2024-07-01`, "test", { n: 2 }).then(() => "", (e: Error) => e.message);
        const locked = await j.ensureLock().then(() => "", (e: Error) => e.message);
        expect(locked, "the lock cannot be taken while the server is down").to.not.equal("");
      });
      expect(downError, "a write while the server is down fails").to.not.equal("");
      await j.ensureLock();
      await j.event(`${key}:2024-07-01`, "test", { n: 3 });
      // The lock is this journal's again: a second process is refused the Safe.
      let refused = "";
      await other.lockSafe(key).catch((e: Error) => (refused = e.message));
      expect(refused).to.match(/another agent process holds the Safe/);
    } finally {
      await other.close();
      await j.close();
    }
  });
});
