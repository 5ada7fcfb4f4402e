// The checker's vocabulary: the policy's Effect order and a verdict named like the chain's errors.
import type { Address } from "viem";
import { EFFECT_NAMES, type EffectName } from "../../../lib/chain/policyTypes";

/** contracts/libraries/PolicyTypes.sol Effect, in order: a batch's effect is the highest of its calls. */
export const EFFECTS = EFFECT_NAMES;
export type Effect = EffectName;
export const effectRank = (e: Effect) => EFFECTS.indexOf(e);

/** A refusal, named and argued exactly as the contract's custom error (contracts/interfaces/Errors.sol). */
export interface Refusal {
  ok: false;
  error: string;
  args: Record<string, string>;
  /** Index of the call the refusal is about, when it is about one call. */
  index?: number;
  reason: string;
}

export type CheckResult =
  | { ok: true; effect: Effect; sizeUsd: bigint; navAfterUsd: bigint; lossUsd: bigint; valuesAfter: bigint[] }
  | Refusal;

export const refuse = (error: string, args: Record<string, string | bigint | number | Address>, reason: string, index?: number): Refusal => ({
  ok: false,
  error,
  args: Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v)])),
  reason,
  ...(index === undefined ? {} : { index }),
});

/** Thrown inside the pure rules to stop at the first refusal, like a revert. */
export class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(`${refusal.error}: ${refusal.reason}`);
  }
}
