import { expect } from "chai";
import { dayOf, isoOf, lastFriday, nextQuarterlyExpiry } from "../../agent/src/market/calendar";
import { viewAt } from "../../agent/src/market/view";
import { allocate } from "../../agent/src/strategy/allocation";
import { capLimits } from "../../agent/src/strategy/caps";
import { defaultConfig } from "../../agent/src/strategy/config";
import {
  AAVE_COLLATERAL,
  borrowRoom,
  EXPIRY_PARAMS,
  ExpiryState,
  expiryStep,
  previousQuarterlyExpiry,
  quarterlyExpiries,
  withExpiryPlay,
} from "../../agent/src/strategy/plays/expiry";
import { ruleStrategy } from "../../agent/src/strategy/rules";
import { strategyByName, STRATEGY_NAMES } from "../../agent/src/strategy/registry";
import { RISK } from "../../scripts/world/aave";
import { runStrategy } from "../../agent/src/backtest/engine";
import { expiryEvidence } from "../../agent/src/backtest/expiryEvidence";
import { loadHistory } from "../../agent/src/market/replay";
import { FIELDS } from "../../agent/src/market/types";
import { signalsFor } from "../../agent/src/strategy/signals";
import { cloneHistory, expectNoLookAhead, tinyHistory } from "./helpers";

const c = defaultConfig();
const lim = capLimits(c);
const START = "2024-01-01";
const N = 140;
const EXPIRY = dayOf("2024-03-29");

/** BTC rising slowly (an uptrend, low volatility), calm funding and sentiment. */
function market(o: { fg?: number; funding?: number; jumpFrom?: string } = {}) {
  const d0 = dayOf(START);
  const btc = Array.from({ length: N }, (_, i) => 100 + 0.2 * i + (o.jumpFrom && d0 + i >= dayOf(o.jumpFrom) ? 20 : 0));
  return tinyHistory(START, {
    btc,
    eth: Array(N).fill(10),
    mvrv: Array(N).fill(1.5),
    fearGreed: Array(N).fill(o.fg ?? 50),
    funding: Array(N).fill(o.funding ?? 0.0001),
    stableYield: Array(N).fill(0.05),
  });
}

describe("agent expiry play: calendar", () => {
  it("quarterly expiries are the last Friday of Mar/Jun/Sep/Dec", () => {
    expect(isoOf(lastFriday(2024, 3))).to.equal("2024-03-29");
    const got = quarterlyExpiries(dayOf("2024-01-01"), dayOf("2025-06-30")).map(isoOf);
    expect(got).to.deep.equal(["2024-03-29", "2024-06-28", "2024-09-27", "2024-12-27", "2025-03-28", "2025-06-27"]);
    // An expiry day counts as the next expiry on that day; the previous one is strictly before.
    expect(isoOf(nextQuarterlyExpiry(dayOf("2024-03-29")))).to.equal("2024-03-29");
    expect(isoOf(nextQuarterlyExpiry(dayOf("2024-03-30")))).to.equal("2024-06-28");
    expect(isoOf(previousQuarterlyExpiry(dayOf("2024-03-29")))).to.equal("2023-12-29");
    expect(isoOf(previousQuarterlyExpiry(dayOf("2024-03-30")))).to.equal("2024-03-29");
    expect(isoOf(previousQuarterlyExpiry(dayOf("2024-01-05")))).to.equal("2023-12-29");
  });

  it("the play's Aave liquidation thresholds and bonuses are the local world's reserves (scripts/world/aave.ts)", () => {
    expect(AAVE_COLLATERAL.usdc).to.deep.equal({ liquidationThreshold: RISK.USDC[1] / 10_000, bonus: RISK.USDC[2] / 10_000 });
    expect(AAVE_COLLATERAL.btc).to.deep.equal({ liquidationThreshold: RISK.WBTC[1] / 10_000, bonus: RISK.WBTC[2] / 10_000 });
    expect(AAVE_COLLATERAL.eth).to.deep.equal({ liquidationThreshold: RISK.WETH[1] / 10_000, bonus: RISK.WETH[2] / 10_000 });
  });
});

describe("agent expiry play: entry and exit", () => {
  const targets = allocate(0.1, c, lim);

  it("enters 7 days before the expiry (not 8), once, within the caps and the health floor; no max pain in replay is said", () => {
    const h = market();
    const eight = expiryStep(viewAt(h, EXPIRY - 8), targets, lim, undefined, {});
    expect(eight.leverage).to.equal(undefined);
    expect(eight.state.evaluated).to.equal(undefined);
    const seven = expiryStep(viewAt(h, EXPIRY - 7), targets, lim, undefined, {});
    expect(seven.leverage?.buy).to.equal("btc");
    expect(seven.leverage?.play).to.equal("expiry 2024-03-29");
    expect(seven.signals).to.have.length(1);
    const b = seven.leverage!.borrow;
    expect(b).to.be.greaterThan(0.01);
    expect(targets.btc + targets.eth + b).to.be.at.most(lim.volatile + 1e-12);
    expect(targets.btc + b).to.be.at.most(lim.position + 1e-12);
    const hf = (targets.aaveUsdc * AAVE_COLLATERAL.usdc.liquidationThreshold + b * AAVE_COLLATERAL.btc.liquidationThreshold) / b;
    expect(hf).to.be.at.least(EXPIRY_PARAMS.minHealthFactor + EXPIRY_PARAMS.healthMargin - 1e-9);
    expect(seven.reasons.map((r) => r.says)).to.include("max pain: no source (rule judged without it)");
    // Open: the next day keeps the debt as it is (no new signal).
    const held = { borrow: b, buy: "btc" as const };
    const next = expiryStep(viewAt(h, EXPIRY - 6), targets, lim, held, seven.state);
    expect(next.leverage?.borrow).to.equal(b);
    expect(next.signals).to.deep.equal([]);
  });

  it("exits the day after the expiry (fill ≈ 40 h after settlement) by repaying everything; not on the expiry day", () => {
    const h = market();
    const open = expiryStep(viewAt(h, EXPIRY - 7), targets, lim, undefined, {});
    const held = { borrow: open.leverage!.borrow, buy: "btc" as const };
    const onExpiry = expiryStep(viewAt(h, EXPIRY), targets, lim, held, open.state);
    expect(onExpiry.leverage?.borrow).to.equal(held.borrow);
    const after = expiryStep(viewAt(h, EXPIRY + 1), targets, lim, held, onExpiry.state);
    expect(after.leverage).to.deep.equal({ borrow: 0, buy: "btc", play: "expiry 2024-03-29" });
    expect(after.signals[0]).to.match(/exit .*repay the debt first/);
    expect(after.state.open).to.equal(undefined);
    // The same expiry is not entered again.
    const again = expiryStep(viewAt(h, EXPIRY + 2), targets, lim, undefined, after.state);
    expect(again.leverage).to.equal(undefined);
  });

  it("exits early at the target (+8% over the close known at entry)", () => {
    const h = market({ jumpFrom: "2024-03-24" }); // +20 on ~117: +17% from 2024-03-24's close on
    const open = expiryStep(viewAt(h, EXPIRY - 7), targets, lim, undefined, {});
    const held = { borrow: open.leverage!.borrow, buy: "btc" as const };
    const before = expiryStep(viewAt(h, dayOf("2024-03-24")), targets, lim, held, open.state);
    expect(before.leverage?.borrow).to.equal(held.borrow);
    const hit = expiryStep(viewAt(h, dayOf("2024-03-25")), targets, lim, held, before.state);
    expect(hit.leverage?.borrow).to.equal(0);
    expect(hit.signals[0]).to.match(/target \+8% reached/);
  });

  it("no entry when the setup is bad (greed, hot funding), judged once per expiry", () => {
    for (const m of [market({ fg: 80 }), market({ funding: 0.001 })]) {
      const s = expiryStep(viewAt(m, EXPIRY - 7), targets, lim, undefined, {});
      expect(s.leverage).to.equal(undefined);
      expect(s.reasons.some((r) => String(r.says).includes("no entry"))).to.equal(true);
      expect(s.state.evaluated).to.equal("2024-03-29");
      // Judged once: the next day in the window does not look again, even if the setup changed.
      const next = expiryStep(viewAt(market(), EXPIRY - 6), targets, lim, undefined, s.state);
      expect(next.leverage).to.equal(undefined);
    }
  });

  it("max pain from a live source is used when present", () => {
    const h = market();
    const v = viewAt(h, EXPIRY - 7);
    const close = v.series.btc[v.series.btc.length - 1];
    const below = expiryStep({ ...v, options: { nextExpiry: "2024-03-29", maxPain: close * 0.9, maxPainSource: "Deribit" } }, targets, lim, undefined, {});
    expect(below.leverage).to.equal(undefined);
    expect(below.reasons.find((r) => r.indicator === "expiry:maxPain")?.says).to.match(/well above max pain/);
    const above = expiryStep({ ...v, options: { nextExpiry: "2024-03-29", maxPain: close * 1.05, maxPainSource: "Deribit" } }, targets, lim, undefined, {});
    expect(above.leverage?.borrow).to.be.greaterThan(0);
  });

  it("no room when the targets already fill the volatile cap: no entry, and the bound is named", () => {
    const full = allocate(1, c, lim);
    expect(borrowRoom(full, lim, EXPIRY_PARAMS).room).to.be.lessThan(1e-9);
    const s = expiryStep(viewAt(market(), EXPIRY - 7), full, lim, undefined, {});
    expect(s.leverage).to.equal(undefined);
    expect(s.reasons.at(-1)?.says).to.match(/no room \(the volatile cap/);
  });

  it("debt the play did not open is repaid; an open play whose debt vanished (liquidated) is closed", () => {
    const h = market();
    const stray = expiryStep(viewAt(h, EXPIRY - 20), targets, lim, { borrow: 0.05, buy: "eth" }, {});
    expect(stray.leverage).to.deep.include({ borrow: 0, buy: "eth" });
    const open = expiryStep(viewAt(h, EXPIRY - 7), targets, lim, undefined, {});
    const gone = expiryStep(viewAt(h, EXPIRY - 6), targets, lim, undefined, open.state);
    expect(gone.state.open).to.equal(undefined);
    expect(gone.leverage).to.equal(undefined);
  });

  it("wrapped on a strategy: same targets as the base, leverage on top; a hold day does not enter", () => {
    const h = market();
    const base = ruleStrategy("trend", c, { trendDays: 50 });
    const wrapped = withExpiryPlay(base, c);
    const input = { view: viewAt(h, EXPIRY - 7), current: allocate(0, c, lim), state: undefined };
    const a = base.decide(input).decision;
    const b = wrapped.decide(input).decision;
    expect(b.targets).to.deep.equal(a.targets);
    expect(b.strategy).to.equal("trend+expiry");
    // trend holds BTC only (ETH is flat, not above its average): the debt takes the rest of the volatile cap.
    expect(b.leverage?.borrow).to.be.closeTo(lim.volatile - a.targets.btc - a.targets.eth, 1e-12);
    expect(b.rebalance).to.equal(true);
    expect(b.triggers.at(-1)).to.match(/limited by the volatile cap/);
    const holdView = { ...input.view, issues: [{ field: "btc" as const, reason: "stale" }] };
    const held = wrapped.decide({ ...input, view: holdView }).decision;
    expect(held.hold).to.equal(true);
    expect(held.leverage).to.equal(undefined);
    const st = wrapped.decide({ ...input, view: holdView }).state as { play: ExpiryState };
    expect(st.play.evaluated).to.equal(undefined);
  });

  it("the registry names the variants; the default strategy carries the play only when the flag is on", () => {
    expect(STRATEGY_NAMES).to.include.members(["seed-aggressive", "trend-dd+expiry"]);
    expect(strategyByName("seed-aggressive", c)!.name).to.equal("seed-aggressive");
    expect(c.expiryPlay.enabled).to.equal(false);
    const on = { ...c, expiryPlay: { enabled: true } };
    const h = market();
    const input = { view: viewAt(h, EXPIRY - 7), current: allocate(0, c, lim), state: undefined };
    const off = strategyByName("trend-dd", c)!.decide(input).decision;
    const with_ = strategyByName("trend-dd", on)!.decide(input).decision;
    expect(off.reasons.some((r) => r.indicator.startsWith("expiry:"))).to.equal(false);
    expect(with_.reasons.some((r) => r.indicator.startsWith("expiry:"))).to.equal(true);
  });
});

describe("agent expiry play: no look-ahead, limits hold (real data)", () => {
  const h = loadHistory();
  const D = dayOf("2024-06-25"); // inside the June 2024 window: an open or judged play at D
  const from = dayOf("2023-10-01");

  it("changing every value and every daily low from day D on leaves every decision up to D unchanged", () => {
    expectNoLookAhead(h, ["seed-aggressive", "trend-dd+expiry"], from, D, c);
  });

  it("every day 2018-02 → 2025-06: gross volatile (targets + debt) within the volatile cap, the bought asset within the position cap", () => {
    for (const name of ["seed-aggressive", "trend-dd+expiry"]) {
      const bad: string[] = [];
      let entries = 0;
      runStrategy(h, strategyByName(name, c)!, dayOf("2018-02-01"), dayOf("2025-06-30"), c, {
        onDecision: (d) => {
          const b = d.leverage?.borrow ?? 0;
          if (b > 0 && d.triggers.some((t) => t.includes("borrow"))) entries++;
          if (d.targets.btc + d.targets.eth + b > lim.volatile + 1e-9) bad.push(`${d.date}: gross ${d.targets.btc + d.targets.eth + b}`);
          if (d.targets.btc + b > lim.position + 1e-9) bad.push(`${d.date}: btc ${d.targets.btc + b}`);
        },
      });
      expect(bad.slice(0, 3), name).to.deep.equal([]);
      expect(entries, `${name} entered at least once`).to.be.greaterThan(0);
    }
  });
});

describe("agent expiry play: the walk-forward evidence (real data)", () => {
  const ev = expiryEvidence(loadHistory(), c);

  it("lists every expiry of the judged window with its outcome, and the in-sample one's", () => {
    const wf = ev.walkForward.rows.find((r) => r.name === "trend-dd+expiry")!;
    expect(wf.expiries.map((x) => x.expiry)).to.deep.equal(["2024-03-29", "2024-06-28", "2024-09-27", "2024-12-27", "2025-03-28", "2025-06-27"]);
    for (const x of wf.expiries) expect(x.outcome).to.match(/^(win|loss|open|no entry: .+)$/);
    expect(ev.inSample.rows.find((r) => r.name === "seed-aggressive")!.expiries).to.have.length(24);
    // The rows without the play carry no debt.
    for (const r of [...ev.inSample.rows, ...ev.walkForward.rows])
      if (!r.name.includes("expiry") && r.name !== "seed-aggressive") expect([r.borrowCostUsd, r.liquidations, r.entered], r.name).to.deep.equal([0, 0, 0]);
  });

  it("the rule decides off on this data (docs/strategy.md), and the flag's default follows it", () => {
    expect(ev.enable).to.equal(false);
    expect(ev.why).to.match(/^off: /);
    expect(c.expiryPlay.enabled).to.equal(ev.enable);
  });

  it("the in-sample evidence does not depend on any value after the in-sample window", () => {
    const m = cloneHistory(loadHistory());
    const end = dayOf("2024-01-01") - m.startDay;
    for (const f of FIELDS) for (let i = end; i < m.length; i++) m.series[f][i] = i % 3 ? m.series[f][i] * 0.5 : Number.NaN;
    for (const s of [m.lows!.btc!, m.lows!.eth!]) for (let i = end; i < s.length; i++) s[i] *= 0.1;
    const other = expiryEvidence(m, c);
    expect(JSON.stringify(other.inSample)).to.equal(JSON.stringify(ev.inSample));
  });
});

describe("agent expiry play: the base strategy takes the room", () => {
  it("an open play whose room the base targets took is closed (repay first); a smaller room shrinks the debt", () => {
    const h = market();
    const targets = allocate(0.1, c, lim);
    const open = expiryStep(viewAt(h, EXPIRY - 7), targets, lim, undefined, {});
    const held = { borrow: open.leverage!.borrow, buy: "btc" as const };
    const full = expiryStep(viewAt(h, EXPIRY - 6), allocate(1, c, lim), lim, held, open.state);
    expect(full.leverage).to.deep.equal({ borrow: 0, buy: "btc", play: "expiry 2024-03-29" });
    expect(full.signals[0]).to.match(/exit \(the base targets leave no room.*repay the debt first/);
    expect(full.state.open).to.equal(undefined);
    const part = allocate(lim.volatile - 0.05, c, lim);
    const shrink = expiryStep(viewAt(h, EXPIRY - 6), part, lim, held, open.state);
    expect(shrink.leverage!.borrow).to.be.closeTo(lim.volatile - part.btc - part.eth, 1e-12);
    expect(shrink.state.open).to.not.equal(undefined);
  });
});

describe("agent expiry play: the day's signals (replayed warm-up) carry the open position", () => {
  it("the day after entry, `signals` still holds the debt instead of repaying it (the warm-up assumes the debt it asked for was taken)", () => {
    const h = loadHistory();
    const s = strategyByName("seed-aggressive", c)!;
    const d = signalsFor(viewAt(h, dayOf("2024-09-22")), s).decision;
    expect(d.leverage?.play).to.equal("expiry 2024-09-27");
    expect(d.leverage?.borrow).to.be.greaterThan(0.15);
    // With the chain's weights and no debt on chain, the play sees its debt gone and does not re-enter.
    const onChain = signalsFor(viewAt(h, dayOf("2024-09-22")), s, 120, d.targets).decision;
    expect(onChain.leverage).to.equal(undefined);
    const withDebt = signalsFor(viewAt(h, dayOf("2024-09-22")), s, 120, d.targets, { borrow: 0.2, buy: "btc" }).decision;
    expect(withDebt.leverage?.borrow).to.equal(0.2);
  });
});
