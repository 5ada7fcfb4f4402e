// `seed-aggressive`: the original plan with its fourth mode as written — "aggressive: leveraged longs
// during quarterly expiries". The seed rules set the targets; the quarterly-expiry play replaces the
// seed's +5-point expiry boost with what the plan describes (about $80K borrowed into BTC around the
// expiry, out 24–48 h after it or at a target).
import type { Config } from "./config";
import { EXPIRY_PARAMS, ExpiryParams, withExpiryPlay } from "./plays/expiry";
import { SEED_PARAMS, seedStrategy } from "./seed";
import type { Strategy } from "./types";

export function seedAggressiveStrategy(c: Config, p: ExpiryParams = EXPIRY_PARAMS): Strategy {
  const s = withExpiryPlay(seedStrategy(c, { ...SEED_PARAMS, expiryBoost: 0 }, "seed-aggressive"), c, p, "seed-aggressive");
  return { ...s, description: "original plan (seed) with its aggressive mode: leveraged BTC long around quarterly expiries" };
}
