// The policy's enums (contracts/libraries/PolicyTypes.sol) for TypeScript: one home, so the deploy
// scripts, the agent and the tests share one mirror. Order matters (the ABI carries the index);
// test/guardrails/abi-mirror.test.ts pins every mirror to the compiled contracts.
export const AssetClass = { Stable: 0, Volatile: 1 } as const;
export const PositionKind = { None: 0, AaveAToken: 1, ERC4626: 2, PendlePT: 3, AaveVariableDebt: 4 } as const;
export const Effect = { Neutral: 0, Exit: 1, Derisk: 2, Payment: 3, Risk: 4 } as const;
export const Actor = { Owner: 0, Agent: 1 } as const;
/** How the caps judge an outcome: Off (approve/configure/exit), NoRise (only de-risking), Reduce (takes risk). */
export const CapsMode = { Off: 0, NoRise: 1, Reduce: 2 } as const;

export type EffectName = keyof typeof Effect;
/** Effect names in enum order: a batch's effect is the highest of its calls. */
export const EFFECT_NAMES = (Object.entries(Effect) as [EffectName, number][]).sort((a, b) => a[1] - b[1]).map(([k]) => k);

export type CapsModeName = keyof typeof CapsMode;
/** PolicyTypes.capsModeOf: how the caps judge a batch whose riskiest call has effect `e` (guard and module alike). */
export function capsModeOf(e: EffectName): CapsModeName {
  if (Effect[e] <= Effect.Exit) return "Off";
  return e === "Derisk" ? "NoRise" : "Reduce";
}
