// The watch loop's MVRV (issue 20 §1): `treasury run` hands the watcher the cycles' own market
// provider; on the recorded data the crossings of 3.5 in January 2021 are alerted on the days they
// became known (a view of D holds D−1's value), once each, and a value older than the cycles accept
// is not judged.
import { expect } from "chai";
import { ReplayProvider } from "../../../agent/src/market/replay";
import { Watcher, latestMvrv, type WatchEvent } from "../../../agent/src/watch";
import { createLogger } from "../../../agent/src/log";

describe("agent/watch: MVRV from the cycles' market provider", () => {
  const replay = ReplayProvider.fromDir();

  it("recorded data, 2021-01-01 → 01-12: up across 3.5 on 01-07 (01-06's 3.60), down on 01-11 (01-10's 3.48); nothing else", async () => {
    let date = "2021-01-01";
    const seen: { date: string; ev: WatchEvent }[] = [];
    const w = new Watcher({ intervalSeconds: 30, log: createLogger("silent"), deliver: async (e) => (seen.push({ date, ev: e }), { deliveredAt: Date.now(), result: { kind: e.kind, suppressed: false, delivered: ["test"], failed: [] } }), mvrv: latestMvrv(replay, async () => date) });
    for (let d = 1; d <= 12; d++) {
      date = `2021-01-${String(d).padStart(2, "0")}`;
      await w.tick();
      await w.tick(); // a second poll the same day changes nothing
    }
    expect(seen.map((s) => `${s.date} ${s.ev.title}`)).to.deep.equal([
      "2021-01-07 BTC MVRV crossed 3.5 upwards (3.60)",
      "2021-01-11 BTC MVRV crossed 3.5 downwards (3.48)",
    ]);
    expect(w.state().failing).to.deep.equal({});
  });

  it("the latest value older than the cycles' limit (4 days) is not judged; within it, it is", async () => {
    // The recorded view of 2025-07-01 (its latest MVRV is 06-30's), read as if `days` later with no new value.
    const later = (days: number) => latestMvrv({ name: "later", view: async () => ((v) => ({ ...v, day: v.day + days }))(await replay.view("2025-07-01")) }, async () => "2025-07-01")();
    expect(await later(0)).to.be.closeTo(2.2244, 1e-4);
    expect(await later(3)).to.be.closeTo(2.2244, 1e-4); // 4 days old
    expect(await later(4)).to.equal(undefined); // 5 days old
  });
});
