// What the world recorded during the soak, read back at its end for the accounting: the chain's
// AgentExecuted / DecisionRecorded logs and every transaction the agent key sent (did it succeed,
// was the agent paused), and the proposals the transaction service holds for the Safe.
import { createPublicClient, getAddress, http, parseAbi, type Address } from "viem";
import { moduleAbi, policyAbi } from "../../agent/src/execute/abi";
import type { AgentTx, ExecutionLog, ProposalRecord } from "./accounting";

const PAUSED = parseAbi(["function paused() view returns (bool)"]);

export async function chainRecords(o: { rpcUrl: string; module: Address; policy: Address; agent: Address; fromBlock: bigint }): Promise<{ executions: ExecutionLog[]; agentTxs: AgentTx[]; blocks: number }> {
  const c = createPublicClient({ transport: http(o.rpcUrl, { retryCount: 2, timeout: 30_000 }) });
  const [agentExecuted, recorded] = await Promise.all([
    c.getContractEvents({ address: o.module, abi: moduleAbi, eventName: "AgentExecuted", fromBlock: o.fromBlock }),
    c.getContractEvents({ address: o.policy, abi: policyAbi, eventName: "DecisionRecorded", fromBlock: o.fromBlock }),
  ]);
  const executions: ExecutionLog[] = [
    ...agentExecuted.map((l) => ({ decisionHash: String((l.args as { decisionHash: string }).decisionHash), txHash: l.transactionHash!, event: "AgentExecuted" as const })),
    ...recorded.map((l) => ({ decisionHash: String((l.args as { decisionHash: string }).decisionHash), txHash: l.transactionHash!, event: "DecisionRecorded" as const })),
  ];
  const head = await c.getBlockNumber();
  const agentTxs: AgentTx[] = [];
  for (let b = o.fromBlock; b <= head; b++) {
    const block = await c.getBlock({ blockNumber: b, includeTransactions: true });
    for (const tx of block.transactions) {
      if (getAddress(tx.from) !== getAddress(o.agent)) continue;
      const receipt = await c.getTransactionReceipt({ hash: tx.hash });
      const whilePaused = await c.readContract({ address: o.policy, abi: PAUSED, functionName: "paused", blockNumber: b - 1n });
      agentTxs.push({ hash: tx.hash, ok: receipt.status === "success", whilePaused });
    }
  }
  return { executions, agentTxs, blocks: Number(head - o.fromBlock) + 1 };
}

/** Every multisig transaction the service holds for the Safe (the API's pages followed). */
export async function txServiceProposals(txServiceUrl: string, safe: Address): Promise<ProposalRecord[]> {
  const out: ProposalRecord[] = [];
  let next: string | null = `${txServiceUrl}/v2/safes/${getAddress(safe)}/multisig-transactions/?limit=100`;
  while (next) {
    const res = await fetch(next, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`tx service ${next}: HTTP ${res.status}`);
    const page = (await res.json()) as { next: string | null; results: { safe: string; nonce: number | string; safeTxHash: string }[] };
    for (const r of page.results) out.push({ safe: r.safe, nonce: Number(r.nonce), safeTxHash: r.safeTxHash });
    next = page.next;
  }
  return out;
}
