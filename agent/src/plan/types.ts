// A leg of a plan: the calls one protocol action needs and how the plan describes it to the
// approval step (approval/types.ts PlanStep).
import type { Call } from "../../../lib/chain/encode";
import type { PlanStep } from "../approval/types";

export interface Leg {
  calls: Call[];
  step: PlanStep;
  /** The same leg rebuilt for a smaller amount (a reviewer's `modify`): same id, target and token,
   * minOut and approvals scaled to the new amount. */
  resize?: (amount: bigint) => Leg;
}

/** A leg built by `build(amount)` that can be rebuilt for a smaller amount. */
export const resizable = (build: (amount: bigint) => Leg, amount: bigint): Leg => ({ ...build(amount), resize: build });

/** `x` scaled by `part / whole` (whole 0 → 0). */
export const scaled = (x: bigint, part: bigint, whole: bigint) => (whole === 0n ? 0n : (x * part) / whole);

/** USD with 18 decimals → a plain number for descriptions and PlanStep.amountUsd. */
export const usdNum = (usd18: bigint) => Number(usd18) / 1e18;
export const BPS = 10_000n;
/** `amount` less `bps` basis points (minOut from the oracle value less the configured slippage). */
export const lessBps = (amount: bigint, bps: number) => (amount * (BPS - BigInt(bps))) / BPS;
