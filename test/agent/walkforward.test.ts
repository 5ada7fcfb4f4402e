import { expect } from "chai";
import { dayOf } from "../../agent/src/market/calendar";
import { loadHistory } from "../../agent/src/market/replay";
import { FIELDS } from "../../agent/src/market/types";
import { IN_SAMPLE, OUT_OF_SAMPLE, registryMatches, walkForward } from "../../agent/src/backtest/walkforward";
import { anchoredFolds } from "../../agent/src/backtest/folds";
import { defaultConfig } from "../../agent/src/strategy/config";
import { DEFAULT_STRATEGY } from "../../agent/src/strategy/registry";
import { cloneHistory } from "./helpers";

describe("agent walk-forward: the default is chosen on in-sample data only", () => {
  const h = loadHistory();
  const c = defaultConfig();
  const wf = walkForward(h, c);

  it("the registry holds the parameters the in-sample search picked, and the default is its choice", () => {
    expect(registryMatches(wf)).to.deep.equal([]);
    expect(wf.chosen).to.equal(DEFAULT_STRATEGY);
    expect(wf.rows.find((r) => r.name === DEFAULT_STRATEGY)!.meetsGoalInSample).to.equal(true);
  });

  it("the parameter search and the choice do not depend on any value after the in-sample window", () => {
    const m = cloneHistory(h);
    const end = dayOf(IN_SAMPLE.to) + 1 - m.startDay;
    for (const f of FIELDS) for (let i = end; i < m.length; i++) m.series[f][i] = i % 3 ? m.series[f][i] * 0.5 : Number.NaN;
    const other = walkForward(m, c);
    expect(JSON.stringify(other.tried)).to.equal(JSON.stringify(wf.tried));
    expect(other.chosen).to.equal(wf.chosen);
    expect(other.rows.map((r) => r.params)).to.deep.equal(wf.rows.map((r) => r.params));
  });

  it("anchored folds: each out-of-sample year follows its in-sample window; the last fold is the official split", () => {
    const folds = anchoredFolds(h, c);
    expect(folds.map((f) => f.outOfSample.from)).to.deep.equal([
      "2020-01-01",
      "2021-01-01",
      "2022-01-01",
      "2023-01-01",
      OUT_OF_SAMPLE.from,
    ]);
    for (const f of folds) expect(dayOf(f.outOfSample.from)).to.equal(dayOf(f.inSample.to) + 1);
    const last = folds[folds.length - 1];
    expect(last.chosen).to.equal(wf.chosen);
    const row = wf.rows.find((r) => r.name === wf.chosen)!;
    expect(last.chosenOutOfSample).to.deep.equal(row.outOfSample);
  });
});
