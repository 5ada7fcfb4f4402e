// The VaR and drawdown gate count the debt (issue 21 §3): NAV = holdings - debt, the weights are over
// that NAV with the debt negative in the sleeve of what is owed, so what borrowed USDC bought weighs
// in full; a levered portfolio's VaR is higher than the same targets unlevered and can trip the gate.
import { expect } from "chai";
import type { Address } from "viem";
import { riskOnTop } from "../../../agent/src/cycle/riskGate";
import { leveredTargets } from "../../../agent/src/cycle/ports";
import { currentWeights } from "../../../agent/src/plan/sleeves";
import { historicalVar } from "../../../agent/src/risk/var";
import { zeroWeights, type Weights } from "../../../agent/src/strategy/types";
import { portfolio } from "../helpers/portfolio";

const E18 = 10n ** 18n;
const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;

// 400 days of ETH closes moving ±4% on alternate days, then a 10% fall every 20th day.
const eth: number[] = [];
for (let i = 0, x = 3_000; i < 400; i++) eth.push((x *= i % 20 === 19 ? 0.9 : i % 2 ? 1.04 : 0.97));
const gate = { closes: { eth }, navHistory: [400_000, 401_000], riskReducing: false, maxVar1d: 0.05, maxDrawdown: 0.25, lookbackDays: 365 };

/** $400k NAV: $100k USDC cash, $140k aUSDC, $200k WETH (of which $40k bought with the $40k USDC owed). */
function levered() {
  const p = portfolio({ navUsd: 400_000 });
  const usdc = p.assets[0].token;
  const weth = addr(0xe7);
  const aUsdc = addr(0xa0dc);
  const vdUsdc = addr(0xd0dc);
  const usd = (n: number) => BigInt(n) * E18;
  p.policy.assets.push({ token: weth, feed: addr(0xfe2), maxStaleness: 3_600, decimals: 18, feedDecimals: 8, volatile: true });
  p.assets = [
    { ...p.assets[0], balance: 100_000n * 10n ** 6n, valueUsd: usd(100_000) },
    { token: weth, symbol: "WETH", decimals: 18, volatile: true, balance: 66n * E18, priceUsd: usd(3_000), priceOk: true, valueUsd: usd(200_000) },
  ];
  const pos = (token: Address, kind: "aave" | "aaveDebt", symbol: string, v: number) => ({ token, symbol, kind, underlying: usdc, protocol: `0x${"11".repeat(32)}` as const, balance: BigInt(v) * 10n ** 6n, valueUsd: usd(v) });
  p.positions = [pos(aUsdc, "aave", "aUSDC", 140_000), pos(vdUsdc, "aaveDebt", "variableDebtUSDC", 40_000)];
  p.debtUsd = usd(40_000);
  p.navUsd = usd(400_000);
  return p;
}

describe("agent/risk: VaR and the risk gate count the debt", () => {
  it("weights over NAV net of debt: USDC owed is negative cash, the levered ETH weighs in full, the weights sum to 1", () => {
    const { weights } = currentWeights(levered());
    expect(weights.eth).to.be.closeTo(0.5, 1e-12);
    expect(weights.aaveUsdc, "the debt is not Aave supply").to.be.closeTo(0.35, 1e-12);
    expect(weights.usdc).to.be.closeTo((100_000 - 40_000) / 400_000, 1e-12);
    const sum = Object.values(weights).reduce((s, x) => s + x, 0);
    expect(sum).to.be.closeTo(1, 1e-12);
  });

  it("a levered portfolio's VaR is higher than the same targets unlevered, and trips the gate the unlevered one passes", () => {
    const unlevered: Weights = { ...zeroWeights(), usdc: 0.25, aaveUsdc: 0.35, eth: 0.4 };
    const withDebt = leveredTargets(unlevered, { borrow: 0.1, buy: "eth", play: "expiry 2024-06-28" });
    expect(withDebt.eth).to.be.closeTo(0.5, 1e-12);
    expect(withDebt.usdc).to.be.closeTo(0.15, 1e-12);
    const v0 = historicalVar(unlevered, { eth });
    const v1 = historicalVar(withDebt, { eth });
    expect(v1).to.be.closeTo(v0 * 1.25, 1e-12);
    // From the portfolio read (the simulation's weights after): the same levered figure.
    expect(historicalVar(currentWeights(levered()).weights, { eth })).to.be.closeTo(v1, 1e-12);
    const pass = riskOnTop({ ...gate, weightsAfter: unlevered });
    expect(pass.ok, pass.reason).to.equal(true);
    // 15% of NAV borrowed into ETH: 55% ETH, VaR 5.5% > 5%.
    const more = leveredTargets(unlevered, { borrow: 0.15, buy: "eth", play: "expiry 2024-06-28" });
    const trip = riskOnTop({ ...gate, weightsAfter: more });
    expect(trip.ok).to.equal(false);
    expect(trip.var1d).to.be.closeTo(0.055, 1e-9);
    expect(trip.reason).to.match(/one-day 95% VaR after the plan is 5\.50% of NAV \(limit 5\.00%\): only risk-reducing plans/);
    // Repaying (risk-reducing) may still go ahead above the limit.
    expect(riskOnTop({ ...gate, weightsAfter: more, riskReducing: true }).ok).to.equal(true);
  });

  it("a volatile debt (a short) counts too: owing ETH adds to the VaR instead of being left out", () => {
    const w: Weights = { ...zeroWeights(), usdc: 1.1, eth: -0.1 };
    expect(historicalVar(w, { eth })).to.be.greaterThan(0);
  });

  it("no leverage asked: the targets as they are", () => {
    const t: Weights = { ...zeroWeights(), usdc: 1 };
    expect(leveredTargets(t)).to.equal(t);
    expect(leveredTargets(t, { borrow: 0, buy: "btc", play: "x" })).to.equal(t);
  });
});
