// Anchored walk-forward folds: the same selection (walkforward.ts) re-run with the in-sample window
// ending at each year end, judged on the following year. It tests the selection procedure itself,
// not one lucky split. Informational: the default comes from the official split only.
import type { MarketHistory } from "../market/types";
import type { Config } from "../strategy/config";
import type { RuleParams } from "../strategy/rules";
import { strategyByName } from "../strategy/registry";
import { IN_SAMPLE, OUT_OF_SAMPLE, Score, meetsGoal, score, select } from "./walkforward";

export interface Fold {
  inSample: { from: string; to: string };
  outOfSample: { from: string; to: string };
  chosen: string;
  params: RuleParams | null;
  chosenInSample: Score;
  chosenOutOfSample: Score;
  meetsGoalOutOfSample: boolean;
  staticPlan: Score;
  mix6040: Score;
}

export const FOLD_YEARS = [2020, 2021, 2022, 2023] as const;

export function anchoredFolds(h: MarketHistory, c: Config): Fold[] {
  const windows = [
    ...FOLD_YEARS.map((y) => ({ is: { from: IN_SAMPLE.from, to: `${y - 1}-12-31` }, oos: { from: `${y}-01-01`, to: `${y}-12-31` } })),
    { is: { ...IN_SAMPLE }, oos: { ...OUT_OF_SAMPLE } },
  ];
  return windows.map(({ is, oos }) => {
    const sel = select(h, c, is);
    const out = score(h, sel.chosen.strategy, oos, c);
    return {
      inSample: is,
      outOfSample: oos,
      chosen: sel.chosen.name,
      params: sel.chosen.params,
      chosenInSample: sel.chosen.inSample,
      chosenOutOfSample: out,
      meetsGoalOutOfSample: meetsGoal(out),
      staticPlan: score(h, strategyByName("static-plan", c)!, oos, c),
      mix6040: score(h, strategyByName("mix-60-40", c)!, oos, c),
    };
  });
}

export function formatFolds(folds: Fold[]): string {
  const f = (s: Score) =>
    `${(s.cagr * 100).toFixed(1)}% / ${s.sharpe === null ? "—" : s.sharpe.toFixed(2)} / ${(s.maxDrawdown * 100).toFixed(1)}%`;
  const lines = ["anchored folds (CAGR / Sharpe / max DD; out-of-sample = the window after the in-sample one)"];
  for (const x of folds) {
    lines.push(
      `IS ${x.inSample.from}→${x.inSample.to}  OOS ${x.outOfSample.from}→${x.outOfSample.to}: picks ${x.chosen} ${x.params ? JSON.stringify(x.params) : ""}` +
        `\n    OOS ${f(x.chosenOutOfSample)}${x.meetsGoalOutOfSample ? " (goal met)" : ""} | static-plan ${f(x.staticPlan)} | mix-60-40 ${f(x.mix6040)}`,
    );
  }
  return lines.join("\n");
}
