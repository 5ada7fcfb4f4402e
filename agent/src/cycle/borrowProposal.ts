// `treasury propose-borrow`: the owners' proposal to enable borrowing USDC on Aave (issue 21 §4).
// Borrowing stays off until the owners register it through the policy's timelock: the USDC variable
// debt token as a liability position (setPosition, when not registered yet) and the call rule
// setRule(pool, borrow, AaveV3Rule). Two Safe transactions, each proposed to the Safe Transaction
// Service with the evidence (the file's SHA-256 and its summary) in the proposal's origin:
//   1. schedule: policy.schedule(policy, <each change>)   (the delay starts)
//   2. apply:    the changes themselves, once the delay has passed (the policy consumes the schedule)
// The stage is read from the chain (readyAt of each change); nothing is proposed twice.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { encodeAbiParameters, encodeFunctionData, getAddress, keccak256, toFunctionSelector, zeroAddress, type Address, type Hex, type PublicClient } from "viem";
import { aavePoolAbi, treasuryPolicyAbi } from "../../../lib/chain/abi";
import type { Deployment } from "../../../lib/chain/deployments";
import { AAVE_BORROW_SELECTOR, readBorrowing } from "../chain/borrowing";
import { proposeBatch, type SafeClientConfig } from "../safe";
import { UserError } from "../errors";

export interface Evidence {
  file: string;
  sha256: Hex;
  bytes: number;
  /** The file's `summary` (JSON) or its first non-empty line. */
  summary: string;
}

export function readEvidence(file: string): Evidence {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new UserError(`--evidence ${file}: ${(e as Error).message}; pass the walk-forward table or report the owners should read (e.g. treasury walkforward --json > wf.json)`);
  }
  if (buf.length === 0) throw new UserError(`--evidence ${file}: the file is empty; pass the walk-forward table or report the owners should read`);
  const text = buf.toString("utf8");
  let summary = "";
  try {
    const j = JSON.parse(text) as { summary?: unknown };
    if (typeof j.summary === "string") summary = j.summary;
    else if (j.summary !== undefined) summary = JSON.stringify(j.summary);
  } catch {
    // not JSON: the first line is the summary
  }
  if (!summary) summary = text.split("\n").map((l) => l.trim()).find(Boolean) ?? "";
  return { file: path.basename(file), sha256: `0x${crypto.createHash("sha256").update(buf).digest("hex")}`, bytes: buf.length, summary: summary.slice(0, 500) };
}

export interface Change {
  what: string;
  data: Hex;
  /** keccak256(abi.encode(policy, data)): the policy's schedule id. */
  id: Hex;
  readyAt: bigint;
}

export interface BorrowProposalPlan {
  stage: "enabled" | "schedule" | "waiting" | "apply";
  changes: Change[];
  /** The Safe transaction's calls (empty when there is nothing to propose). */
  calls: { to: Address; value: string; data: Hex }[];
  /** Unix seconds at which the scheduled changes may be applied (waiting / apply). */
  readyAt: bigint | null;
  why: string;
}

/** What the owners need to do next to enable borrowing USDC, read from the chain at the latest block. */
export async function planEnableBorrowing(client: PublicClient, policy: Address, d: Deployment): Promise<BorrowProposalPlan> {
  const b = await readBorrowing(client, policy, d);
  if (b.enabled) return { stage: "enabled", changes: [], calls: [], readyAt: null, why: b.why };
  const pool = getAddress(d.aave.pool);
  const usdc = d.tokens.USDC;
  if (!usdc || !b.debtToken) throw new UserError(`deployment ${d.network}: no USDC or aave.variableDebtTokens.USDC; borrowing USDC cannot be enabled on it`);
  const g = d.guardrails as Record<string, string | undefined> | null;
  // AaveV3Rule is the unit already registered for the pool's supply; the debt adapter comes from the deployment.
  const supplySel = toFunctionSelector(aavePoolAbi.find((x) => x.type === "function" && x.name === "supply")!);
  const aaveRule = await client.readContract({ address: policy, abi: treasuryPolicyAbi, functionName: "ruleOf", args: [pool, supplySel] });
  if (aaveRule === zeroAddress) throw new UserError(`the policy ${policy} has no rule for Aave supply on ${pool}: the AaveV3Rule to register for borrow is unknown; deploy the guardrails with Aave`);
  const changes: Omit<Change, "id" | "readyAt">[] = [];
  if (!b.debtRegistered) {
    const adapter = g?.aaveDebtAdapter;
    if (!adapter) throw new UserError(`deployment ${d.network}: guardrails.aaveDebtAdapter is missing; redeploy the guardrails (npm run deploy:guardrails) or add it to the deployments file`);
    const aUsdc = (d.aave.aTokens as Record<string, Address | undefined>).USDC;
    const aPos = aUsdc ? await client.readContract({ address: policy, abi: treasuryPolicyAbi, functionName: "position", args: [getAddress(aUsdc)] }) : null;
    const protocol = aPos && aPos.kind !== 0 ? aPos.protocol : (`0x${Buffer.from("aave-v3").toString("hex").padEnd(64, "0")}` as Hex);
    changes.push({
      what: `register the USDC variable debt token ${b.debtToken} as a liability position (AaveDebtAdapter ${adapter})`,
      data: encodeFunctionData({ abi: treasuryPolicyAbi, functionName: "setPosition", args: [b.debtToken, { kind: 4, underlying: getAddress(usdc), protocol, venue: pool, market: zeroAddress, twapDuration: 0, adapter: getAddress(adapter) }] }),
    });
  }
  if (!b.rule) changes.push({ what: `register AaveV3Rule ${aaveRule} for borrow on the Aave pool ${pool}`, data: encodeFunctionData({ abi: treasuryPolicyAbi, functionName: "setRule", args: [pool, AAVE_BORROW_SELECTOR, aaveRule] }) });
  const full: Change[] = [];
  for (const c of changes) {
    const id = keccak256(encodeAbiParameters([{ type: "address" }, { type: "bytes" }], [policy, c.data]));
    full.push({ ...c, id, readyAt: await client.readContract({ address: policy, abi: treasuryPolicyAbi, functionName: "readyAt", args: [id] }) });
  }
  const now = (await client.getBlock({ blockTag: "latest" })).timestamp;
  const unscheduled = full.filter((c) => c.readyAt === 0n);
  if (unscheduled.length) {
    return {
      stage: "schedule",
      changes: full,
      calls: unscheduled.map((c) => ({ to: policy, value: "0", data: encodeFunctionData({ abi: treasuryPolicyAbi, functionName: "schedule", args: [policy, c.data] }) })),
      readyAt: null,
      why: `${b.why}; schedule ${unscheduled.length} change(s) through the timelock`,
    };
  }
  const readyAt = full.reduce((m, c) => (c.readyAt > m ? c.readyAt : m), 0n);
  if (readyAt > now) return { stage: "waiting", changes: full, calls: [], readyAt, why: `scheduled; the timelock lets the owners apply it from ${new Date(Number(readyAt) * 1000).toISOString()} (in ${Number(readyAt - now)} s)` };
  return { stage: "apply", changes: full, calls: full.map((c) => ({ to: policy, value: "0", data: c.data })), readyAt, why: "the delay has passed: apply the scheduled changes (borrowing is enabled once executed)" };
}

export interface BorrowProposalResult extends BorrowProposalPlan {
  evidence: Evidence;
  safeTxHash: Hex | null;
  nonce: number | null;
  origin: string | null;
}

/** Plans the next stage and proposes it (signed by `proposerKey`, an owner or a delegate) with the evidence. */
export async function proposeEnableBorrowing(o: { client: PublicClient; policy: Address; deployment: Deployment; safeCfg: SafeClientConfig; proposerKey: Hex; evidence: Evidence; dryRun?: boolean }): Promise<BorrowProposalResult> {
  const plan = await planEnableBorrowing(o.client, o.policy, o.deployment);
  const base = { ...plan, evidence: o.evidence, safeTxHash: null, nonce: null, origin: null };
  if (!plan.calls.length || o.dryRun) return base;
  const e = o.evidence;
  // The origin holds 200 characters: the full hash as the link, the file and the summary (cut) as the name.
  const rationale = `${plan.stage} Aave USDC borrowing; evidence ${e.file}: ${e.summary}`;
  const prop = await proposeBatch(o.safeCfg, { calls: plan.calls, proposerKey: o.proposerKey, rationale, url: `urn:sha256:${e.sha256.slice(2)}` });
  return { ...base, safeTxHash: prop.safeTxHash, nonce: prop.nonce, origin: prop.origin };
}

export function formatBorrowProposal(r: BorrowProposalResult): string {
  const lines = [`borrowing: ${r.stage.toUpperCase()} — ${r.why}`];
  for (const c of r.changes) lines.push(`  ${c.what}${c.readyAt ? ` (scheduled, ready at ${new Date(Number(c.readyAt) * 1000).toISOString()})` : ""}`);
  lines.push(`  evidence ${r.evidence.file}: sha256 ${r.evidence.sha256.slice(2)} (${r.evidence.bytes} bytes) — ${r.evidence.summary}`);
  if (r.safeTxHash) lines.push(`  proposed ${r.safeTxHash} (nonce ${r.nonce}); owners: treasury sign ${r.safeTxHash}, then treasury execute ${r.safeTxHash}`);
  if (r.stage === "schedule" && r.safeTxHash) lines.push("  after it executes and the delay passes, run propose-borrow again: it proposes applying the changes");
  return lines.join("\n") + "\n";
}
