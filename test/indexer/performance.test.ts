// The performance formulas (lib/analytics: one home for the indexer and the agent) on hand-made series (no chain): a window too short to annualise
// has no APY (with the reason), never an hour's dip raised to the 8,760th power.
import { expect } from "chai";
import { DAY, MIN_APY_DAYS, performance, type Point } from "../../lib/analytics/performance";

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
