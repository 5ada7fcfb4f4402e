import type { Config } from "./config";
import { CapLimits, fitCaps } from "./caps";
import { Weights, zeroWeights } from "./types";

/**
 * Target weights for a volatile share `v`: the base sleeve as configured (Aave USDC, Pendle PT,
 * savings vault), `v` in BTC/ETH, and the rest of the tactical sleeve in liquid stables (Aave
 * first, then the savings vault, up to their caps; cash for what is left), all within the caps.
 */
export function allocate(v: number, c: Config, lim: CapLimits, split = c.volatileSplit): Weights {
  const w = zeroWeights();
  const vol = Math.max(0, Math.min(v, lim.volatile));
  w.aaveUsdc = c.base.aaveUsdc;
  w.pendlePt = c.base.pendlePt;
  w.vault = c.base.vault;
  const baseSum = w.aaveUsdc + w.pendlePt + w.vault;
  // Volatile comes out of the tactical sleeve first, then out of the base when v exceeds it.
  let stables = 1 - baseSum - vol;
  if (stables < 0) {
    const k = (baseSum + stables) / baseSum;
    w.aaveUsdc *= k;
    w.pendlePt *= k;
    w.vault *= k;
    stables = 0;
  }
  w.btc = vol * split.btc;
  w.eth = vol * split.eth;
  const room = (p: "aaveUsdc" | "vault") => Math.max(0, Math.min(lim.position, lim.protocol) - w[p]);
  const toAave = Math.min(stables, room("aaveUsdc"));
  w.aaveUsdc += toAave;
  stables -= toAave;
  const toVault = Math.min(stables, room("vault"));
  w.vault += toVault;
  stables -= toVault;
  w.usdc = stables;
  return fitCaps(w, lim);
}
