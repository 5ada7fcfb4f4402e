// Fixed-weight benchmarks (same Strategy interface; the static 6.5% yield is simulated by the
// backtest directly since it holds no asset).
import { dayOfMonth } from "../market/calendar";
import type { Config } from "./config";
import { capLimits } from "./caps";
import { maxDrift } from "./rebalance";
import { Strategy, StrategyInput, StrategyOutput, volatileWeight, Weights, zeroWeights } from "./types";

export type Schedule = "never" | "monthly" | "drift";

export function fixedStrategy(
  name: string,
  description: string,
  targets: Weights,
  schedule: Schedule,
  c: Config,
  benchmark = true,
): Strategy {
  return {
    name,
    description,
    benchmark,
    needs: [], // fixed weights: no market input
    decide({ view, current }: StrategyInput): StrategyOutput {
      const first = volatileWeight(current) === 0 && current.usdc > 0.999;
      const { position, drift } = maxDrift(current, targets);
      const triggers: string[] = [];
      if (first) triggers.push("initial allocation");
      else if (schedule === "monthly" && dayOfMonth(view.day) === 1 && drift > 1e-6) triggers.push("monthly rebalance");
      else if (schedule === "drift" && drift > c.rebalance.driftPct) triggers.push(`drift: ${position} ${(drift * 100).toFixed(1)} points`);
      return {
        decision: {
          date: view.date,
          strategy: name,
          targets,
          rebalance: triggers.length > 0,
          hold: false,
          triggers,
          reasons: [],
          issues: [],
        },
        state: undefined,
      };
    },
  };
}

export function btcHold(c: Config): Strategy {
  return fixedStrategy("btc-hold", "BTC buy-and-hold (100% BTC, bought on the first day)", { ...zeroWeights(), btc: 1 }, "never", c);
}

/** 60% stables (Aave USDC) / 40% BTC-ETH (split as configured), rebalanced on the 1st of each month. */
export function mix6040(c: Config): Strategy {
  const w = { ...zeroWeights(), aaveUsdc: 0.6, btc: 0.4 * c.volatileSplit.btc, eth: 0.4 * c.volatileSplit.eth };
  return fixedStrategy("mix-60-40", "60% stables in Aave USDC / 40% BTC-ETH, rebalanced monthly", w, "monthly", c);
}

/** The original plan held still: base sleeve 60% (Aave, Pendle PT, savings vault), tactical 40% in BTC/ETH, rebalanced on 5% drift. */
export function staticPlan(c: Config): Strategy {
  const lim = capLimits(c);
  const v = Math.min(lim.volatile, 1 - c.base.aaveUsdc - c.base.pendlePt - c.base.vault);
  const w = {
    ...zeroWeights(),
    aaveUsdc: c.base.aaveUsdc,
    pendlePt: c.base.pendlePt,
    vault: c.base.vault,
    btc: v * c.volatileSplit.btc,
    eth: v * c.volatileSplit.eth,
  };
  w.usdc = Math.max(0, 1 - (w.aaveUsdc + w.pendlePt + w.vault + w.btc + w.eth));
  return fixedStrategy("static-plan", "original plan held static: 60% base yield, 40% BTC/ETH, rebalanced on 5% drift", w, "drift", c);
}
