// The decide step's stale-data verdict: the approver's gate looks at the fields the decision
// depends on. The recorded stable yield ends 2025-02-11 and no live source serves it, so counting it
// would make `npm start`'s first day (2025-07-01) and every live cycle "stale" forever.
import { expect } from "chai";
import { readPortfolio } from "../../../agent/src/chain/portfolio";
import { decideFor } from "../../../agent/src/cycle/decide";
import { isoOf } from "../../../agent/src/market/calendar";
import { lastDecisionDay, loadHistory, ReplayProvider } from "../../../agent/src/market/replay";
import { defaultConfig } from "../../../agent/src/strategy/config";
import { strategyByName } from "../../../agent/src/strategy/registry";
import { agentWorld } from "../chain/fixture";

describe("agent/cycle: decide — stale inputs are those the strategy uses", () => {
  const history = loadHistory();
  const provider = new ReplayProvider(history);
  const lastDay = isoOf(lastDecisionDay(history));

  for (const name of ["trend-dd", "seed"]) {
    it(`${name}: a stale stable yield is recorded but does not make the decision stale`, async () => {
      const { d, client } = await agentWorld();
      const p = await readPortfolio(client, d);
      const strategy = strategyByName(name, defaultConfig())!;
      const decided = await decideFor(provider, strategy, p, lastDay);
      expect(decided.market.issues.map((i) => (i as { field: string }).field)).to.include("stableYield");
      expect(strategy.needs).to.not.include("stableYield");
      expect(decided.staleInputs).to.deep.equal([]);
      expect(decided.decision.hold).to.equal(false);
    });
  }

  it("a stale field the strategy uses is a stale input, and the decision holds", async () => {
    const { d, client } = await agentWorld();
    const p = await readPortfolio(client, d);
    const strategy = strategyByName("seed", defaultConfig())!;
    expect(strategy.needs).to.include("mvrv");
    // MVRV stops ten days before the decision day (the limit is four days).
    const mvrv = Float64Array.from(history.series.mvrv);
    mvrv.fill(Number.NaN, mvrv.length - 10);
    const cut = { ...history, series: { ...history.series, mvrv } };
    const decided = await decideFor(new ReplayProvider(cut), strategy, p, lastDay);
    expect(decided.staleInputs).to.deep.equal(["mvrv"]);
    expect(decided.decision.hold).to.equal(true);
  });
});
