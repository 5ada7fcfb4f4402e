// The cycle hands the strategy the debt the Safe really holds: an open expiry play is neither
// forgotten (its exit never planned) nor taken again.
import { expect } from "chai";
import { heldLeverage } from "../../../agent/src/cycle/decide";
import { portfolio } from "../helpers/portfolio";
import type { Address } from "viem";

const E18 = 10n ** 18n;
const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const W = { usdc: 0.5, aaveUsdc: 0.2, pendlePt: 0, vault: 0, btc: 0.25, eth: 0.05 };

describe("cycle/decide: heldLeverage", () => {
  it("no debt: no leverage", () => {
    expect(heldLeverage(portfolio(), W)).to.equal(undefined);
  });

  it("a USDC debt of $16,000 on a $400,000 NAV is borrow 0.04, standing for the volatile held most", () => {
    const p = portfolio();
    const usdc = p.assets[0].token;
    p.positions = [{ token: addr(0xdeb7), symbol: "variableDebtUSDC", kind: "aaveDebt", underlying: usdc, protocol: "0x00", balance: 16_000n * 10n ** 6n, valueUsd: 16_000n * E18 }];
    expect(heldLeverage(p, W)).to.deep.equal({ borrow: 0.04, buy: "btc" });
    expect(heldLeverage(p, { ...W, btc: 0.05, eth: 0.25 })).to.deep.equal({ borrow: 0.04, buy: "eth" });
  });

  it("a debt in a volatile asset is not a play's stable borrowing", () => {
    const p = portfolio();
    const weth = addr(0xe7);
    p.assets.push({ token: weth, symbol: "WETH", decimals: 18, volatile: true, balance: 0n, priceUsd: 3000n * E18, priceOk: true, valueUsd: 0n });
    p.positions = [{ token: addr(0xdeb8), symbol: "variableDebtWETH", kind: "aaveDebt", underlying: weth, protocol: "0x00", balance: E18, valueUsd: 3000n * E18 }];
    expect(heldLeverage(p, W)).to.equal(undefined);
  });
});
