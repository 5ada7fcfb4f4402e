// The last steps of a cycle: journal the decision (its canonical hash is the on-chain receipt), then
// execute through the module or propose to the owners, then record the outcome. The journal insert is
// the idempotency point: the unique key per chain, Safe and day lets one live decision in, and a
// process acts only on the record its own insert created (or a closed one it claimed atomically).
import type { Hex } from "viem";
import { errorText } from "./errors";
import { decisionHash, LIVE, type DecisionBody, type DecisionRow } from "../journal";
import { executeViaModule, proposeDecision, type BatchCall, type ExecContext, type ModuleOutcome, type ProposalOutcome } from "../execute";

export type ActResult =
  | { status: "already"; hash: Hex; row: DecisionRow }
  | { status: "skipped"; hash: Hex; reason: string }
  | { status: "dry-run"; hash: Hex }
  | { status: "failed"; hash: Hex; reason: string }
  | ({ status: "executed" | "proposed"; hash: Hex } & (ModuleOutcome | ProposalOutcome))
  | { status: "failed"; hash: Hex; reason: string; outcome: ModuleOutcome };

const isLive = (s: string) => (LIVE as readonly string[]).includes(s);

export async function act(ctx: ExecContext, p: { body: DecisionBody; calls: BatchCall[]; agentKey?: Hex; dryRun?: boolean; skipReason?: string }): Promise<ActResult> {
  const hash = decisionHash(p.body);
  const live = (await ctx.journal.byCycle(p.body.cycleKey)).find((r) => isLive(r.status));
  if (live) return { status: "already", hash: live.hash, row: live };
  if (p.body.path === "none" || p.dryRun) {
    // Nothing leaves the process: recorded as skipped, never live.
    const reason = p.dryRun ? "dry run: nothing sent" : (p.skipReason ?? "nothing to do");
    await ctx.journal.insert({ hash, cycleKey: p.body.cycleKey, date: p.body.date, status: "skipped", path: p.body.path, safeNonce: p.body.safeNonce, body: p.body, reason });
    return p.dryRun ? { status: "dry-run", hash } : { status: "skipped", hash, reason };
  }
  const ins = await ctx.journal.insert({ hash, cycleKey: p.body.cycleKey, date: p.body.date, status: "decided", path: p.body.path, safeNonce: p.body.safeNonce, body: p.body });
  if (ins.existed) {
    const row = ins.row;
    // Another process (or an earlier run) holds the day: it acts, this one does not.
    if (row.hash !== hash || isLive(row.status)) return { status: "already", hash: row.hash, row };
    // The same decision again, closed earlier. One signed transaction per decision, ever.
    if (row.rawTx) throw new Error(`decision ${hash} already has a signed transaction ${row.txHash} (${row.status}): a second, different transaction is never signed for the same decision`);
    if (!(await ctx.journal.claim(hash, row.status))) {
      const now = (await ctx.journal.byCycle(p.body.cycleKey)).find((r) => isLive(r.status)) ?? row;
      return { status: "already", hash: now.hash, row: now };
    }
  }
  if (!p.agentKey) throw new Error("act: the agent key is required to execute or propose");
  try {
    if (p.body.path === "module") {
      const out = await executeViaModule(ctx, { hash, calls: p.calls, agentKey: p.agentKey });
      return out.status === "executed" ? { ...out, hash, status: "executed" } : { status: "failed", hash, reason: out.reason ?? "failed", outcome: out };
    }
    const out = await proposeDecision(ctx, { hash, calls: p.calls, proposerKey: p.agentKey, rationale: p.body.rationale });
    return { ...out, hash, status: "proposed" };
  } catch (e) {
    const row = await ctx.journal.get(hash);
    const reason = errorText(e);
    // Before the write-ahead: nothing left the process, the decision simply failed. After it: the
    // act may have happened; the record stays open for the next start's reconciliation.
    // A 4xx from the transaction service is a definite refusal: nothing was stored there.
    const refused = row?.status === "proposing" && typeof (e as { statusCode?: number }).statusCode === "number" && (e as { statusCode: number }).statusCode < 500;
    if (row?.status === "decided" || refused) await ctx.journal.update(hash, { status: "failed", reason });
    await ctx.journal.event(p.body.cycleKey, "act-error", { reason, status: row?.status }, hash);
    throw e;
  }
}
