// ERC-4626 savings vaults shaped like Curve's scrvUSD (here over USDC) and Spark's sDAI (over DAI).
// contracts/test/AaveSavingsVault.sol supplies every deposit to the local Aave v3 market, so the share
// price rises only as real Aave interest accrues (no minting of "yield").
import { Contract, Signer } from "ethers";
import { ART } from "./artifacts";
import { confirm, deploy } from "./tx";
import { fundToken, usdToTokenUnits, type TokenDeployment } from "./tokens";
import type { AaveDeployment, TokenMap, TokenSymbol, VaultKey } from "./types";

export const VAULT_SPECS: Record<VaultKey, { asset: TokenSymbol; name: string; symbol: string; seedUsd: number }> = {
  // The scrvUSD-shaped vault gets its depositors from the Pendle SY/LP; sDAI gets a seed deposit.
  scrvUSD: { asset: "USDC", name: "Savings crvUSD-style USDC (local)", symbol: "scrvUSD", seedUsd: 0 },
  sDAI: { asset: "DAI", name: "Savings DAI-style (local)", symbol: "sDAI", seedUsd: 100_000 },
};

export async function deployVaults(
  deployer: Signer,
  t: TokenDeployment,
  aave: AaveDeployment,
  answers: TokenMap<bigint>,
): Promise<Record<VaultKey, string>> {
  const me = await deployer.getAddress();
  const out = {} as Record<VaultKey, string>;
  for (const [key, spec] of Object.entries(VAULT_SPECS) as [VaultKey, (typeof VAULT_SPECS)[VaultKey]][]) {
    const vault = await deploy(deployer, ART.vaults.AaveSavingsVault(), [t.tokens[spec.asset], aave.aTokens[spec.asset], spec.name, spec.symbol], {}, `vault ${key}`);
    if (spec.seedUsd > 0) {
      const amount = usdToTokenUnits(spec.seedUsd, answers[spec.asset], t.decimals[spec.asset]);
      await fundToken(deployer, t, spec.asset, me, amount);
      await confirm(`approve ${spec.asset} to ${key}`, new Contract(t.tokens[spec.asset], ART.tokens.TestERC20().abi, deployer).approve(vault, amount));
      await confirm(`seed ${key}`, new Contract(vault, ART.vaults.AaveSavingsVault().abi, deployer).deposit(amount, me));
    }
    out[key] = vault;
  }
  return out;
}
