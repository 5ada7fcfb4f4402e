// A suggested parameter change with walk-forward evidence on the data up to a day: the selection of
// backtest/walkforward.ts (each family's parameters, then the strategy, on an in-sample window) made
// on the data up to a year before that day, then judged on that last year, which it never saw. A
// different strategy is suggested only when it beats the configured one on that held-out year too.
// The answer is a config diff (agent config path, from, to) for the owners: nothing is applied here
// (`treasury config apply FILE` does that, and journals it).
import { dayOf, isoOf } from "../market/calendar";
import type { MarketHistory } from "../market/types";
import type { Config } from "../strategy/config";
import { strategyByName } from "../strategy/registry";
import { IN_SAMPLE, better, score, select, type Score } from "../backtest/walkforward";
import { UserError } from "../errors";

export interface ConfigChange {
  path: string;
  from: unknown;
  to: unknown;
}

export interface ConfigDiff {
  kind: "treasury-config-diff";
  asOf: string;
  changes: ConfigChange[];
  evidence: {
    selection: { from: string; to: string };
    holdout: { from: string; to: string };
    current: { strategy: string; selection: Score; holdout: Score };
    picked: { strategy: string; params: unknown; selection: Score; holdout: Score };
    why: string;
  };
}

export function suggestStrategy(h: MarketHistory, c: Config, current: string, asOf: string): ConfigDiff {
  const day = dayOf(asOf);
  const holdout = { from: isoOf(day - 365), to: isoOf(day - 1) };
  const selection = { from: IN_SAMPLE.from, to: isoOf(day - 366) };
  if (dayOf(selection.to) - dayOf(selection.from) < 365)
    throw new UserError(`--as-of ${asOf} leaves less than a year to select on before the held-out year; choose a day after ${isoOf(dayOf(IN_SAMPLE.from) + 2 * 365 + 1)}`);
  if (day - 1 > h.startDay + h.length - 1) throw new UserError(`--as-of ${asOf} is past the data (last day ${isoOf(h.startDay + h.length - 1)}); choose an earlier day`);
  const cur = strategyByName(current, c);
  if (!cur) throw new UserError(`the configured strategy "${current}" is unknown; fix "strategy" in the config`);
  const sel = select(h, c, selection);
  const curScore = { selection: score(h, cur, selection, c), holdout: score(h, cur, holdout, c) };
  // Judged as the config would run it: by name, with the registry's parameters for that family.
  const pickHold = score(h, strategyByName(sel.chosen.name, c)!, holdout, c);
  const switchTo = sel.chosen.name !== current && better(pickHold, curScore.holdout);
  const f = (s: Score) => `Sharpe ${s.sharpe === null ? "—" : s.sharpe.toFixed(2)}, CAGR ${(s.cagr * 100).toFixed(1)}%, max DD ${(s.maxDrawdown * 100).toFixed(1)}%`;
  const why =
    sel.chosen.name === current
      ? `the selection on ${selection.from} → ${selection.to} picks ${current} again: no change`
      : switchTo
        ? `the selection on ${selection.from} → ${selection.to} picks ${sel.chosen.name}, and on the held-out ${holdout.from} → ${holdout.to} it beats ${current} (${f(pickHold)} vs ${f(curScore.holdout)})`
        : `the selection picks ${sel.chosen.name}, but on the held-out ${holdout.from} → ${holdout.to} it does not beat ${current} (${f(pickHold)} vs ${f(curScore.holdout)}): no change`;
  return {
    kind: "treasury-config-diff",
    asOf,
    changes: switchTo ? [{ path: "strategy", from: current, to: sel.chosen.name }] : [],
    evidence: {
      selection,
      holdout,
      current: { strategy: current, ...curScore },
      picked: { strategy: sel.chosen.name, params: sel.chosen.params, selection: sel.chosen.inSample, holdout: pickHold },
      why,
    },
  };
}
