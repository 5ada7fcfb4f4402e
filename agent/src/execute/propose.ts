// The owner path: the batch plus policy.recordDecision(hash) as one Safe transaction through
// MultiSendCallOnly, proposed to the Safe Transaction Service with the rationale in `origin`. The
// safeTxHash (fixed by the calls and the nonce) is journaled BEFORE proposing, so a restart finds the
// proposal by that hash instead of proposing the decision again.
import { encodeFunctionData, getAddress, type Hex } from "viem";
import { policyAbi } from "./abi";
import { crashPoint } from "./crash";
import { proposeBatch, protocolKitFor, apiKitFor, type SafeClientConfig } from "../safe";
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

export async function proposeDecision(ctx: ExecContext, p: { hash: Hex; calls: BatchCall[]; proposerKey: Hex; rationale: string; nonce?: number }): Promise<ProposalOutcome> {
  const cfg = ctx.safeCfg;
  if (!cfg) throw new Error("the owner path needs the Safe Transaction Service: set SAFE_TX_SERVICE_URL (local/self-hosted) or SAFE_API_KEY (hosted)");
  const calls = ownerCalls(ctx.policy, p.calls, p.hash);
  const nonce = p.nonce ?? Number(await apiKitFor(cfg).getNextNonce(getAddress(cfg.safeAddress)));
  const safeTxHash = await safeTxHashFor(cfg, p.proposerKey, calls, nonce);
  const url = queueUrl(cfg, safeTxHash);
  await ctx.journal.update(p.hash, { status: "proposing", safeTxHash, safeNonce: nonce, proposalUrl: url });
  crashPoint("after-hash-before-propose", ctx.env);
  ctx.log.info({ decision: p.hash, safeTxHash, nonce }, "proposing to the Safe Transaction Service");
  const prop = await proposeBatch(cfg, { calls, proposerKey: p.proposerKey, rationale: p.rationale, nonce, url: "" });
  if (prop.safeTxHash.toLowerCase() !== safeTxHash.toLowerCase()) throw new Error(`proposed ${prop.safeTxHash}, expected ${safeTxHash}`);
  crashPoint("after-propose-before-record", ctx.env);
  const out: ProposalOutcome = { path: "proposal", safeTxHash, nonce, url, status: "proposed" };
  await ctx.journal.update(p.hash, { status: "proposed", outcome: { ...out, origin: prop.origin } });
  return out;
}
