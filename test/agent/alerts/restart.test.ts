// A run that ended without a clean stop is told at the next start (alerts/restart.ts), on the
// journal's own events: a first start and a start after a clean stop say nothing; a start after a
// run that never stopped says so, with the last cycle step the journal saw.
import { expect } from "chai";
import { Journal } from "../../../agent/src/journal";
import { noteRunStart, noteRunStop, RESTART_KIND } from "../../../agent/src/alerts/restart";

const SCOPE = "31337:0x399c61b017A871181d8B6C418c93a8bB361E3Db8";

describe("agent/alerts: an unclean stop is told at the next start", () => {
  let journal: Journal;
  beforeEach(async () => (journal = await Journal.open({ dataDir: "memory://" })));
  afterEach(async () => journal.close());

  it("first start: nothing; after a clean stop: nothing; after a run that never stopped: one alert naming its last step", async () => {
    expect(await noteRunStart(journal, SCOPE)).to.equal(undefined);
    await noteRunStop(journal, SCOPE);
    expect(await noteRunStart(journal, SCOPE)).to.equal(undefined);
    // The run goes on with a cycle, then is SIGKILLed: no stop recorded.
    await journal.event(`${SCOPE}:2026-12-07`, "approved", { by: "rules" });
    // Another treasury's steps are not this one's.
    await journal.event("31337:0x0000000000000000000000000000000000000001:2026-12-08", "sent");
    const a = await noteRunStart(journal, SCOPE, new Date("2026-12-07T21:00:00Z"));
    expect(a).to.include({ kind: RESTART_KIND, severity: "warning", key: `${RESTART_KIND}:${SCOPE}` });
    expect(a!.lines[0]).to.match(/ended without stopping cleanly; the last step it recorded was "approved" of 2026-12-07 at .+\. It is running again since 2026-12-07T21:00:00\.000Z\./);
    // That start was recorded: if it stops cleanly, the next start is quiet again.
    await noteRunStop(journal, SCOPE);
    expect(await noteRunStart(journal, SCOPE)).to.equal(undefined);
  });

  it("a run killed before any cycle step: the alert says it recorded none; another treasury's runs are its own", async () => {
    await noteRunStart(journal, SCOPE);
    expect(await noteRunStart(journal, "31337:0x0000000000000000000000000000000000000001")).to.equal(undefined);
    const a = await noteRunStart(journal, SCOPE);
    expect(a!.lines[0]).to.match(/it recorded no cycle step/);
  });
});
