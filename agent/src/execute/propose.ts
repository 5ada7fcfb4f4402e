// The owner path: the batch plus policy.recordDecision(hash) as one Safe transaction through
// MultiSendCallOnly, proposed to the Safe Transaction Service with the rationale in `origin`. The
// safeTxHash (fixed by the calls and the nonce) is journaled BEFORE proposing, so a restart finds the
// proposal by that hash instead of proposing the decision again.
import { encodeFunctionData, getAddress, type Hex } from "viem";
import { policyAbi } from "./abi";
import { crashPoint } from "./crash";
import { proposeBatch, protocolKitFor, apiKitFor, askTxService, txServiceError, type SafeClientConfig } from "../safe";
import type { BatchCall, ExecContext, ProposalOutcome } from "./types";

export function ownerCalls(policy: `0x${string}`, calls: BatchCall[], hash: Hex) {
  return [
    ...calls.map((c) => ({ to: getAddress(c.to), value: c.value.toString(), data: c.data })),
    { to: getAddress(policy), value: "0", data: encodeFunctionData({ abi: policyAbi, functionName: "recordDecision", args: [hash] }) },
  ];
}

/** The web app's queue link for a Safe (hosted service); the local service has none. */
export function queueUrl(cfg: SafeClientConfig, safeTxHash: Hex): string {
  const short: Record<string, string> = { "1": "eth", "8453": "base", "42161": "arb1", "10": "oeth", "11155111": "sep" };
  const s = short[cfg.chainId.toString()];
  return s ? `https://app.safe.global/transactions/tx?safe=${s}:${cfg.safeAddress}&id=multisig_${cfg.safeAddress}_${safeTxHash}` : `${cfg.txServiceUrl ?? ""}/v2/multisig-transactions/${safeTxHash}/`;
}

export async function safeTxHashFor(cfg: SafeClientConfig, key: Hex, calls: ReturnType<typeof ownerCalls>, nonce: number): Promise<Hex> {
  const { kit } = await protocolKitFor(cfg, key);
  const tx = await kit.createTransaction({ transactions: calls, onlyCalls: true, options: { nonce } });
  return (await kit.getTransactionHash(tx)) as Hex;
}

type Stored = { safeTxHash: string; nonce: string | number; to: string; data: string | null; value: string; operation: number };

/** The proposal as the service serves it, or "missing" (404); a service error is thrown (retried later). */
async function readBack(cfg: SafeClientConfig, safeTxHash: Hex): Promise<Stored | "missing"> {
  try {
    const t = await apiKitFor(cfg).getTransaction(safeTxHash);
    return { safeTxHash: t.safeTxHash, nonce: t.nonce, to: t.to, data: t.data ?? null, value: t.value, operation: t.operation };
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404 || /not found|No MultisigTransaction/i.test((e as Error).message)) return "missing";
    throw txServiceError(cfg, "read-back of the proposal", e);
  }
}

/** Fields of the stored proposal that differ from the one proposed (empty: the same transaction). */
export function proposalDiff(want: { safeTxHash: string; nonce: number; to: string; data: string; value: string; operation: number }, got: Stored): string[] {
  const d: string[] = [];
  const eq = (a: unknown, b: unknown) => String(a).toLowerCase() === String(b).toLowerCase();
  if (!eq(got.safeTxHash, want.safeTxHash)) d.push(`safeTxHash ${got.safeTxHash} ≠ ${want.safeTxHash}`);
  if (!eq(got.nonce, want.nonce)) d.push(`nonce ${got.nonce} ≠ ${want.nonce}`);
  if (!eq(got.to, want.to)) d.push(`to ${got.to} ≠ ${want.to}`);
  if (!eq(got.data ?? "0x", want.data || "0x")) d.push("data differs");
  if (!eq(got.value, want.value)) d.push(`value ${got.value} ≠ ${want.value}`);
  if (!eq(got.operation, want.operation)) d.push(`operation ${got.operation} ≠ ${want.operation}`);
  return d;
}

export async function proposeDecision(ctx: ExecContext, p: { hash: Hex; calls: BatchCall[]; proposerKey: Hex; rationale: string; nonce?: number }): Promise<ProposalOutcome> {
  const cfg = ctx.safeCfg;
  if (!cfg) throw new Error("the owner path needs the Safe Transaction Service: set SAFE_TX_SERVICE_URL (local/self-hosted) or SAFE_API_KEY (hosted)");
  const calls = ownerCalls(ctx.policy, p.calls, p.hash);
  const nonce = p.nonce ?? Number(await askTxService(cfg, "next nonce", () => apiKitFor(cfg).getNextNonce(getAddress(cfg.safeAddress))));
  const safeTxHash = await safeTxHashFor(cfg, p.proposerKey, calls, nonce);
  const url = queueUrl(cfg, safeTxHash);
  await ctx.journal.update(p.hash, { status: "proposing", safeTxHash, safeNonce: nonce, proposalUrl: url });
  crashPoint("after-hash-before-propose", ctx.env);
  ctx.log.info({ decision: p.hash, safeTxHash, nonce }, "proposing to the Safe Transaction Service");
  const prop = await proposeBatch(cfg, { calls, proposerKey: p.proposerKey, rationale: p.rationale, nonce, url: "" });
  if (prop.safeTxHash.toLowerCase() !== safeTxHash.toLowerCase()) throw new Error(`proposed ${prop.safeTxHash}, expected ${safeTxHash}`);
  crashPoint("after-propose-before-record", ctx.env);
  // A 201 is not taken on trust: what the service stores is what signers will see and sign.
  const back = await readBack(cfg, safeTxHash);
  if (back === "missing") {
    // Left "proposing": the next reconciliation looks for it again (and proposes it again at the
    // same nonce while the Safe has not used it: the same safeTxHash, one proposal).
    throw new Error(`the transaction service answered 201 for ${safeTxHash} but does not serve it: left to reconciliation (next cycle)`);
  }
  const diff = proposalDiff({ ...prop.tx, safeTxHash }, back);
  if (diff.length) {
    const reason = `the transaction service stores a different transaction under ${safeTxHash} than the one proposed (${diff.join("; ")}): not recorded as proposed; do not sign it`;
    await ctx.journal.update(p.hash, { status: "failed", reason, outcome: { path: "proposal", safeTxHash, nonce, stored: back } });
    throw new Error(reason);
  }
  const out: ProposalOutcome = { path: "proposal", safeTxHash, nonce, url, status: "proposed" };
  await ctx.journal.update(p.hash, { status: "proposed", outcome: { ...out, origin: prop.origin } });
  return out;
}
