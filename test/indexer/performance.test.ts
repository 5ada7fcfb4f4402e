// The indexer's performance formulas on hand-made series (no chain): a window too short to annualise
// has no APY (with the reason), never an hour's dip raised to the 8,760th power.
import { expect } from "chai";
import fs from "node:fs";
import Module from "node:module";
import path from "node:path";
import ts from "typescript";
import type * as Perf from "../../indexer/src/lib/performance";

// The indexer is an ES module package (Ponder loads it); this file has no imports, so it is
// transpiled to CommonJS here and loaded as is: the tested code is the indexer's own source.
function loadPerformance(): typeof Perf {
  const file = path.resolve(__dirname, "../../indexer/src/lib/performance.ts");
  const js = ts.transpileModule(fs.readFileSync(file, "utf8"), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const m = new Module(file) as Module & { _compile(code: string, filename: string): void };
  m._compile(js, file);
  return m.exports as typeof Perf;
}
const { DAY, MIN_APY_DAYS, performance } = loadPerformance();
type Point = Perf.Point;

const series = (navs: number[], stepSeconds: number): Point[] => navs.map((nav, i) => ({ block: BigInt(i + 1), timestamp: 1_700_000_000 + i * stepSeconds, nav }));

describe("indexer: performance (TWR, APY) over short and long windows", () => {
  it("a one-hour window with a 0.1 % dip: APY null with the reason, the window's return in twr (was −100 %)", () => {
    const p = performance(series([400_000, 399_600], 3600), [], [])!;
    expect(p.twr).to.be.closeTo(-0.001, 1e-12);
    expect(p.apy).to.equal(null);
    expect(p.apyNote).to.equal(`n/a: the window is 1.0 h; APY is annualised over ${MIN_APY_DAYS} days or more (see twr for the window's return)`);
  });

  it("a single point or a window just under the minimum: no APY; at the minimum and over a month: the formula", () => {
    expect(performance(series([1], 3600), [], [])!.apy).to.equal(null);
    expect(performance(series([100, 101], MIN_APY_DAYS * DAY - 1), [], [])!.apyNote).to.match(/^n\/a: the window is 7\.0 days;/);
    const week = performance(series([100, 101], MIN_APY_DAYS * DAY), [], [])!;
    expect(week.apyNote).to.equal(null);
    expect(week.apy).to.be.closeTo(Math.pow(1.01, 365 / MIN_APY_DAYS) - 1, 1e-12);
    const month = performance(series([100, 100.5, 101], 15 * DAY), [], [])!;
    expect(month.apy).to.be.closeTo(Math.pow(1.01, 365 / 30) - 1, 1e-12);
  });
});
