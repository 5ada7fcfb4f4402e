import { expect } from "chai";
import { Journal } from "../../../agent/src/journal";
import type { DecisionBody } from "../../../agent/src/journal/record";
import { learningFor } from "../../../agent/src/learn/reviewer";

describe("learn: the reviewer's past outcomes from the journal and the indexer", function () {
  this.timeout(120_000);
  let j: Journal;
  before(async () => {
    j = await Journal.open({ dataDir: "memory://" });
    // Six executed drift trades that lost 1% each over 7 days, one still pending (not executed).
    for (let i = 0; i < 7; i++) {
      const hash = `0x${String(i + 1).padStart(64, "0")}` as `0x${string}`;
      const body = { signals: { phase: null, mode: null, triggers: ["drift: btc is 6 points from target"], reasons: [] } } as unknown as DecisionBody;
      await j.insert({ hash, cycleKey: `1:0xsafe:2024-03-0${i + 1}`, date: `2024-03-0${i + 1}`, status: i < 6 ? "executed" : "proposed", path: "module", safeNonce: i, body });
    }
  });
  after(() => j.close());

  const judged = Array.from({ length: 7 }, (_, i) => ({ decisionHash: `0x${String(i + 1).padStart(64, "0")}`, later: { "1d": { excess: -0.001 }, "7d": { excess: -0.01 }, "30d": null } }));
  const fetchFn = (async (url: string) => {
    expect(url).to.equal("http://indexer.test/decisions");
    return new Response(JSON.stringify({ decisions: judged }));
  }) as unknown as typeof fetch;

  it("a drift trade under review sees that drift trades lost, with the count", async () => {
    const r = await learningFor({ journal: j, indexerUrl: "http://indexer.test/", fetchFn }, { triggers: ["drift: eth is 8 points from target"] });
    expect(r.learning!.lines[0]).to.match(/^this decision's trigger drift: n=6 \(judged 6\), win rate 0%, .*: hurt$/);
    expect(r.learning!.minCases).to.equal(5);
  });

  it("no indexer, or one that fails: no context, the reason, never a throw", async () => {
    expect(await learningFor({ journal: j }, { triggers: [] })).to.deep.equal({ why: "no INDEXER_URL: the reviewer gets no past outcomes" });
    const down = (async () => {
      throw new Error("connect ECONNREFUSED");
    }) as unknown as typeof fetch;
    const r = await learningFor({ journal: j, indexerUrl: "http://indexer.test", fetchFn: down }, { triggers: [] });
    expect(r).to.deep.equal({ why: "past outcomes unavailable: HTTP request to http://indexer.test/decisions failed: connect ECONNREFUSED" });
  });
});
