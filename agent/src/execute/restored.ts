// After `treasury restore`: the restored journal may be older than the chain. An execution made
// after the backup (AgentExecuted on the module, DecisionRecorded on the policy) is unknown to it,
// and the day it belonged to would look undecided: the agent would decide and execute that day a
// second time. The first cycle after a restore therefore reads those events from the backup's newest
// block on; any decision hash the journal does not know is recorded as this cycle's day, executed
// (the chain only carries the hash, not the day: holding the day being run is the careful reading),
// and the day is not acted on again. One look per restore: the marker is then settled.
import { getAddress, type Hex } from "viem";
import { moduleAbi, policyAbi } from "./abi";
import { LIVE, type DecisionBody } from "../journal";
import { restoreKey } from "../journal/backup";
import type { ExecContext } from "./types";
import type { Reconciled } from "./reconcile";

export async function afterRestore(ctx: ExecContext, date: string): Promise<Reconciled[]> {
  const key = restoreKey(ctx.chainId, ctx.safe);
  const marks = await ctx.journal.events(key);
  const last = marks[marks.length - 1];
  if (!last || last.kind !== "restored") return [];
  const fromBlock = BigInt(((last.detail ?? {}) as { fromBlock?: string }).fromBlock ?? "0");
  const [executed, recorded] = await Promise.all([
    ctx.client.getContractEvents({ address: ctx.module, abi: moduleAbi, eventName: "AgentExecuted", fromBlock }),
    ctx.client.getContractEvents({ address: ctx.policy, abi: policyAbi, eventName: "DecisionRecorded", args: { by: ctx.safe }, fromBlock }),
  ]);
  const seen = new Map<Hex, { tx: Hex; block: bigint; path: "module" | "proposal" }>();
  for (const l of executed) seen.set(l.args.decisionHash as Hex, { tx: l.transactionHash, block: l.blockNumber, path: "module" });
  for (const l of recorded) if (!seen.has(l.args.decisionHash as Hex)) seen.set(l.args.decisionHash as Hex, { tx: l.transactionHash, block: l.blockNumber, path: "proposal" });
  const unknown: { hash: Hex; tx: Hex; block: bigint; path: "module" | "proposal" }[] = [];
  for (const [hash, x] of seen) if (!(await ctx.journal.get(hash))) unknown.push({ hash, ...x });
  unknown.sort((a, b) => (a.block < b.block ? -1 : a.block > b.block ? 1 : 0));
  const out: Reconciled[] = [];
  const cycleKey = `${ctx.chainId}:${ctx.safe}:${date}`;
  const newest = unknown[unknown.length - 1];
  const held = (await ctx.journal.byCycle(cycleKey)).some((r) => (LIVE as readonly string[]).includes(r.status));
  if (newest && !held) {
    const how = `${newest.path === "module" ? "AgentExecuted" : "DecisionRecorded"} in ${newest.tx} (block ${newest.block}) for a decision the restored journal does not know: taken as ${date}'s decision, not acted on again`;
    const body = {
      version: 1,
      cycleKey,
      date,
      chainId: ctx.chainId,
      safe: getAddress(ctx.safe),
      block: newest.block.toString(),
      safeNonce: 0,
      inputs: { market: { provider: "chain (after a restore)", sources: {}, issues: [] }, portfolio: null },
      signals: null,
      target: null,
      plan: null,
      check: null,
      simulation: null,
      verdict: null,
      rationale: how,
      model: null,
      path: newest.path,
    } satisfies DecisionBody;
    // final: its receipt is on chain already; reconciliation has nothing of its own to re-check.
    await ctx.journal.insert({ hash: newest.hash, cycleKey, date, status: "executed", path: newest.path, safeNonce: 0, body, txHash: newest.path === "module" ? newest.tx : null, reason: how, final: true });
    out.push({ hash: newest.hash, from: "unknown", to: "executed", how });
  }
  for (const u of unknown) if (u !== newest || held) out.push({ hash: u.hash, from: "unknown", to: "unknown", how: `executed on chain in ${u.tx} (block ${u.block}) after the restored backup; its day is not known to this journal` });
  for (const r of out) ctx.log.warn(r, "after the restore: an execution the journal did not know");
  await ctx.journal.event(key, "restore-settled", { fromBlock: fromBlock.toString(), unknown: unknown.map((u) => ({ hash: u.hash, tx: u.tx, block: u.block.toString() })), date });
  return out;
}
