// `treasury status`: what the chain, the transaction service and the journal say now.
import type { Address, Hex } from "viem";
import { agentModuleAbi, safeAbi, treasuryPolicyAbi, treasuryValuationAbi } from "../../../lib/chain";
import { pendingTransactions } from "../safe";
import { queueUrl } from "../execute";
import { cowOrderStates, stillOpen, type CowOrderState } from "../cow/orders";
import type { Runtime } from "./runtime";
import { readBorrowing, type Borrowing } from "../chain/borrowing";
import { usdNumber } from "../usd";

export interface Status {
  safe: Address;
  chainId: number;
  block: string;
  navUsd: number | null;
  paused: boolean;
  owners: Address[];
  threshold: number;
  nonce: number;
  limits: { maxLossBps: number; autonomyLimitUsd: number; dailyBudgetUsd: number };
  budgetLeftUsd: number;
  pending: { safeTxHash: Hex; nonce: string; confirmations: number; required: number; origin: string | null; /** The Safe web app's link (hosted chains) or the service's API URL. */ url: string }[] | { error: string };
  recent: { date: string; hash: Hex; status: string; path: string; reason: string | null; tx: string | null }[];
  /** Set when another process (the running agent) holds the journal, so `recent` is empty. */
  journal?: string;
  /** CoW orders of recent decisions that may still fill (state read from GPv2Settlement). */
  openOrders: CowOrderState[] | { error: string };
  /** Whether the owners enabled borrowing USDC on Aave (rule + registered debt): leverage needs it. */
  borrowing: Borrowing | { error: string };
}


export async function readStatus(rt: Runtime): Promise<Status> {
  const c = rt.ctx.client;
  const a = rt.addresses;
  const [block, nav, paused, limits, budget, owners, threshold, nonce] = await Promise.all([
    c.getBlockNumber(),
    c.readContract({ address: a.valuation, abi: treasuryValuationAbi, functionName: "nav" }).catch(() => null),
    c.readContract({ address: a.policy, abi: treasuryPolicyAbi, functionName: "paused" }),
    c.readContract({ address: a.policy, abi: treasuryPolicyAbi, functionName: "limits" }),
    c.readContract({ address: a.module, abi: agentModuleAbi, functionName: "remainingBudget" }),
    c.readContract({ address: a.safe, abi: safeAbi, functionName: "getOwners" }),
    c.readContract({ address: a.safe, abi: safeAbi, functionName: "getThreshold" }),
    c.readContract({ address: a.safe, abi: safeAbi, functionName: "nonce" }),
  ]);
  // Whether the owners enabled borrowing (leverage): the policy's rule and the debt registration.
  const borrowing = await readBorrowing(c, a.policy, rt.deployment).catch((e: Error) => ({ error: e.message.split("\n")[0] }));
  let pending: Status["pending"];
  try {
    if (!rt.ctx.safeCfg) throw new Error("no transaction service configured (SAFE_TX_SERVICE_URL or SAFE_API_KEY)");
    const cfg = rt.ctx.safeCfg;
    const res = await pendingTransactions(cfg);
    pending = res.results.map((t) => ({ safeTxHash: t.safeTxHash as Hex, nonce: String(t.nonce), confirmations: t.confirmations?.length ?? 0, required: t.confirmationsRequired, origin: t.origin ?? null, url: queueUrl(cfg, t.safeTxHash as Hex) }));
  } catch (e) {
    pending = { error: (e as Error).message.split("\n")[0] };
  }
  let openOrders: Status["openOrders"];
  try {
    if (rt.journalHeld) throw new Error("the running agent holds the journal: see its dashboard or /api/status");
    openOrders = (await cowOrderStates(c, rt.deployment, await rt.journal.recent(50, `${rt.addresses.chainId}:${rt.addresses.safe}:`))).filter(stillOpen);
  } catch (e) {
    openOrders = { error: (e as Error).message.split("\n")[0] };
  }
  const recent = (rt.journalHeld ? [] : await rt.journal.recent(10, `${rt.addresses.chainId}:${rt.addresses.safe}:`)).map((r) => ({ date: r.date, hash: r.hash, status: r.status, path: r.path, reason: r.reason, tx: r.txHash ?? r.safeTxHash }));
  return {
    safe: a.safe,
    chainId: a.chainId,
    block: block.toString(),
    navUsd: nav === null ? null : usdNumber(nav),
    paused,
    owners: [...owners],
    threshold: Number(threshold),
    nonce: Number(nonce),
    limits: { maxLossBps: limits[0], autonomyLimitUsd: usdNumber(limits[1]), dailyBudgetUsd: usdNumber(limits[2]) },
    budgetLeftUsd: usdNumber(budget),
    pending,
    recent,
    ...(rt.journalHeld ? { journal: "held by the running agent: its dashboard and /api show the decisions" } : {}),
    openOrders,
    borrowing,
  };
}

export function formatStatus(s: Status): string {
  const lines = [
    `Safe ${s.safe} (chain ${s.chainId}, block ${s.block}): ${s.owners.length} owners, threshold ${s.threshold}, nonce ${s.nonce}`,
    `NAV ${s.navUsd === null ? "unavailable (a price feed is stale or broken: de-risk only)" : `$${s.navUsd.toLocaleString("en-US")}`}; agent ${s.paused ? "PAUSED" : "active"}`,
    `limits: autonomy $${s.limits.autonomyLimitUsd.toLocaleString("en-US")}/batch, budget $${s.limits.dailyBudgetUsd.toLocaleString("en-US")}/24h ($${s.budgetLeftUsd.toLocaleString("en-US")} left), max loss ${s.limits.maxLossBps} bps`,
  ];
  lines.push("error" in s.borrowing ? `borrowing: unknown (${s.borrowing.error})` : `borrowing: ${s.borrowing.enabled ? "ENABLED" : "off"} — ${s.borrowing.why}`);
  if ("error" in s.pending) lines.push(`pending proposals: unknown (${s.pending.error})`);
  else {
    lines.push(`pending proposals: ${s.pending.length}`);
    for (const p of s.pending) lines.push(`  ${p.safeTxHash} nonce ${p.nonce}: ${p.confirmations}/${p.required} confirmations${p.origin ? ` — ${p.origin}` : ""}`);
  }
  if ("error" in s.openOrders) lines.push(`open CoW orders: unknown (${s.openOrders.error})`);
  else {
    lines.push(`open CoW orders: ${s.openOrders.length}`);
    for (const o of s.openOrders) lines.push(`  ${o.uid.slice(0, 18)}… ${o.status}: sell ${o.sellAmount} of ${o.sellToken} for ≥ ${o.buyAmount} of ${o.buyToken}, valid until ${new Date(o.validTo * 1000).toISOString()} (decision ${o.decision.slice(0, 10)}…, ${o.date})`);
  }
  lines.push(s.journal ? `recent decisions: unknown here (the journal is ${s.journal})` : `recent decisions: ${s.recent.length}`);
  for (const r of s.recent) lines.push(`  ${r.date} ${r.status.padEnd(8)} ${r.path.padEnd(8)} ${r.hash.slice(0, 10)}… ${r.tx ?? ""}${r.reason ? ` — ${r.reason}` : ""}`);
  return lines.join("\n");
}
