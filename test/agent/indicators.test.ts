import { expect } from "chai";
import { crossing, daysToExpiry, drawdown, latest, realisedVol, sma, sumLast } from "../../agent/src/strategy/indicators";
import { dayOf, isoOf, lastFriday, nextQuarterlyExpiry, weekday } from "../../agent/src/market/calendar";

const f = (xs: number[]) => Float64Array.from(xs);
const N = Number.NaN;

describe("agent indicators (hand-computed)", () => {
  it("latest skips gaps and reports the age", () => {
    expect(latest(f([1, 2, N]))).to.deep.equal({ value: 2, age: 1 });
    expect(latest(f([N, N]))).to.equal(null);
  });

  it("sma: mean of the last n, gaps skipped, null when too few values", () => {
    expect(sma(f([1, 2, 3, 4]), 2)).to.equal(3.5);
    expect(sma(f([1, 2, 3, 4]), 4)).to.equal(2.5);
    expect(sma(f([1, 2, 3]), 4)).to.equal(null);
    // 9 of 10 values present meets the 90% rule: mean of 2..10 without the gap
    expect(sma(f([1, 2, 3, 4, 5, N, 7, 8, 9, 10]), 10)).to.be.closeTo(49 / 9, 1e-12);
    expect(sma(f([1, N, 3, 4, 5, N, 7, 8, 9, 10]), 10)).to.equal(null);
  });

  it("funding sum over days is null across a gap (never a zero)", () => {
    expect(sumLast(f([0.0003, 0.0001, 0.0002]), 2)).to.be.closeTo(0.0003, 1e-15);
    expect(sumLast(f([0.0003, N, 0.0002]), 2)).to.equal(null);
    expect(sumLast(f([0.0003]), 2)).to.equal(null);
  });

  it("realised volatility: sample std of log returns × √365", () => {
    // prices 100 → 110 → 99 → 108.9: log returns ln1.1, ln0.9, ln1.1
    const r = [Math.log(1.1), Math.log(0.9), Math.log(1.1)];
    const m = (r[0] + r[1] + r[2]) / 3;
    const sd = Math.sqrt(r.reduce((a, x) => a + (x - m) ** 2, 0) / 2);
    expect(realisedVol(f([100, 110, 99, 108.9]), 3, 1)).to.be.closeTo(sd * Math.sqrt(365), 1e-12);
    expect(realisedVol(f([100, 110]), 3)).to.equal(null);
  });

  it("drawdown from the highest close in the lookback", () => {
    expect(drawdown(f([100, 200, 150]), 10)).to.equal(-0.25);
    expect(drawdown(f([300, 200, 150]), 2)).to.equal(-0.25);
    expect(drawdown(f([100, 120]), 5)).to.equal(0);
  });

  it("crossings between the last two known values", () => {
    expect(crossing(f([3.4, 3.5]), 3.5)).to.equal("up");
    expect(crossing(f([3.6, 3.4]), 3.5)).to.equal("down");
    expect(crossing(f([3.4, N, 3.6]), 3.5)).to.equal("up");
    expect(crossing(f([3.6, 3.7]), 3.5)).to.equal(null);
    expect(crossing(f([3.7]), 3.5)).to.equal(null);
  });

  it("quarterly expiries: last Friday of Mar/Jun/Sep/Dec (Deribit's published dates)", () => {
    const known = [
      "2018-03-30",
      "2019-12-27",
      "2020-12-25",
      "2021-12-31",
      "2022-09-30",
      "2023-06-30",
      "2024-03-29",
      "2025-06-27",
      "2027-12-31",
    ];
    for (const d of known) {
      expect(weekday(dayOf(d))).to.equal(5);
      expect(isoOf(nextQuarterlyExpiry(dayOf(d)))).to.equal(d);
    }
    expect(isoOf(lastFriday(2024, 9))).to.equal("2024-09-27");
    expect(isoOf(nextQuarterlyExpiry(dayOf("2025-06-28")))).to.equal("2025-09-26");
    expect(daysToExpiry(dayOf("2025-06-20"))).to.equal(7);
    expect(daysToExpiry(dayOf("2025-06-27"))).to.equal(0);
  });
});
