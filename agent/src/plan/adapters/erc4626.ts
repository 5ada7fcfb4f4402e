// ERC-4626 legs (scrvUSD, sDAI, sUSDS, Morpho, Yearn v3): deposit assets, redeem shares.
import type { Address } from "viem";
import { vaultDeposit, vaultRedeem } from "../../../../lib/chain/encode";
import type { Leg } from "../types";
import { usdNum } from "../types";

export function depositLeg(id: string, vault: Address, asset: Address, assets: bigint, safe: Address, usd: bigint, approvals: Leg["calls"]): Leg {
  return {
    calls: [...approvals, vaultDeposit(vault, assets, safe)],
    step: { id, kind: "deposit", protocol: "erc4626", target: vault, token: asset, amount: assets.toString(), amountUsd: usdNum(usd), riskReducing: false, description: `deposit ${assets} into vault ${vault}` },
  };
}

export function redeemLeg(id: string, vault: Address, shares: bigint, safe: Address, usd: bigint): Leg {
  return {
    calls: [vaultRedeem(vault, shares, safe, safe)],
    step: { id, kind: "withdraw", protocol: "erc4626", target: vault, token: vault, amount: shares.toString(), amountUsd: usdNum(usd), riskReducing: true, description: `redeem ${shares} shares of ${vault}` },
  };
}
