// The on-chain caps, applied to target weights before anyone trades: volatile share, each
// protocol's share and each position's share (cash stablecoins are exempt, as on chain).
import type { Config } from "./config";
import { Position, POSITIONS, PROTOCOL, VOLATILE, Weights } from "./types";

export interface CapLimits {
  volatile: number;
  protocol: number;
  position: number;
}

/** Caps as fractions, minus the safety margin (targets); `margin: false` gives the on-chain caps themselves. */
export function capLimits(c: Config, margin = true): CapLimits {
  const m = margin ? c.capMarginBps / 10_000 : 0;
  return {
    volatile: Math.max(0, c.caps.maxVolatileBps / 10_000 - m),
    protocol: Math.max(0, c.caps.maxProtocolBps / 10_000 - m),
    position: Math.max(0, c.caps.maxPositionBps / 10_000 - m),
  };
}

function protocols(): Map<string, Position[]> {
  const m = new Map<string, Position[]>();
  for (const p of POSITIONS) {
    const proto = PROTOCOL[p];
    if (proto) m.set(proto, [...(m.get(proto) ?? []), p]);
  }
  return m;
}
const BY_PROTOCOL = protocols();

/** Brings weights within the caps; what is cut goes to cash (USDC in the Safe). Sum stays 1. */
export function fitCaps(w: Weights, lim: CapLimits): Weights {
  const out = { ...w };
  for (const p of POSITIONS) if (!(out[p] > 0)) out[p] = 0;
  const vol = out.btc + out.eth;
  if (vol > lim.volatile) {
    const k = lim.volatile / vol;
    out.btc *= k;
    out.eth *= k;
  }
  for (const p of POSITIONS) if (p !== "usdc" && out[p] > lim.position) out[p] = lim.position;
  for (const ps of BY_PROTOCOL.values()) {
    const sum = ps.reduce((a, p) => a + out[p], 0);
    if (sum > lim.protocol) for (const p of ps) out[p] *= lim.protocol / sum;
  }
  const nonCash = POSITIONS.reduce((a, p) => (p === "usdc" ? a : a + out[p]), 0);
  if (nonCash > 1) for (const p of POSITIONS) if (p !== "usdc") out[p] /= nonCash;
  out.usdc = Math.max(0, 1 - POSITIONS.reduce((a, p) => (p === "usdc" ? a : a + out[p]), 0));
  return out;
}

/** The caps a weight vector breaks (empty when it is within them), with a tolerance for float error. */
export function capViolations(w: Weights, lim: CapLimits, tol = 1e-9): string[] {
  const v: string[] = [];
  const vol = VOLATILE.reduce((a, p) => a + w[p], 0);
  if (vol > lim.volatile + tol) v.push(`volatile ${vol.toFixed(4)} > ${lim.volatile}`);
  for (const p of POSITIONS) if (p !== "usdc" && w[p] > lim.position + tol) v.push(`${p} ${w[p].toFixed(4)} > ${lim.position}`);
  for (const [proto, ps] of BY_PROTOCOL) {
    const s = ps.reduce((a, p) => a + w[p], 0);
    if (s > lim.protocol + tol) v.push(`${proto} ${s.toFixed(4)} > ${lim.protocol}`);
  }
  const sum = POSITIONS.reduce((a, p) => a + w[p], 0);
  if (Math.abs(sum - 1) > 1e-6) v.push(`weights sum to ${sum}`);
  for (const p of POSITIONS) if (w[p] < -tol) v.push(`${p} negative`);
  return v;
}
