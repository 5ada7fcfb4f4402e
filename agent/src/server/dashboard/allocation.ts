// Allocation vs target from a journaled decision: the weights the portfolio read had when the agent
// decided (agent/src/plan/sleeves.ts, the same mapping the planner uses) next to the decision's
// target weights. The record is JSON from the journal (bigints as decimal strings), so it is parsed,
// not trusted: a record that does not parse has no allocation rather than a wrong one.
import { z } from "zod";
import type { Portfolio } from "../../chain/types";
import { currentWeights } from "../../plan/sleeves";
import { POSITIONS, type Position, type Weights } from "../../strategy/types";

export interface AllocationView {
  hash: string;
  date: string;
  status: string;
  block: string | null;
  rows: { position: Position; current: number | null; target: number | null }[];
}

const big = z
  .string()
  .regex(/^\d+$/)
  .transform((s) => BigInt(s));
const portfolioJson = z.object({
  navUsd: big,
  assets: z.array(z.object({ token: z.string(), symbol: z.string(), volatile: z.boolean(), balance: big, valueUsd: big })),
  positions: z.array(z.object({ token: z.string(), symbol: z.string(), kind: z.enum(["aave", "erc4626", "pendlePt", "aaveDebt"]), underlying: z.string(), balance: big, valueUsd: big })),
});
const weightsJson = z.object(Object.fromEntries(POSITIONS.map((p) => [p, z.number().finite()])) as Record<Position, z.ZodNumber>);
const rowJson = z.object({
  hash: z.string(),
  date: z.string(),
  status: z.string(),
  body: z.object({ block: z.string().optional(), target: z.unknown(), inputs: z.object({ portfolio: z.unknown() }).optional() }),
});

/** The portfolio's weights by the planner's sleeves, from its journaled JSON; undefined when it does not parse or is empty. */
export function weightsOf(raw: unknown): Weights | undefined {
  const p = portfolioJson.safeParse(raw);
  // Only what holdings() reads is present; the planner's own type is the contract.
  return p.success && p.data.navUsd > 0n ? currentWeights(p.data as unknown as Portfolio).weights : undefined;
}

/** From the newest of `rows` (newest first) that has a target; undefined when none has. */
export function allocationOf(rows: unknown[]): AllocationView | undefined {
  for (const raw of rows) {
    const row = rowJson.safeParse(raw);
    if (!row.success) continue;
    const target = weightsJson.safeParse(row.data.body.target);
    if (!target.success) continue;
    const current = weightsOf(row.data.body.inputs?.portfolio);
    return {
      hash: row.data.hash,
      date: row.data.date,
      status: row.data.status,
      block: row.data.body.block ?? null,
      rows: POSITIONS.map((position) => ({ position, current: current ? current[position] : null, target: target.data[position] })),
    };
  }
  return undefined;
}
