// The owners' side of a proposal, as `treasury sign` and `treasury execute` do it: each owner key
// confirms the proposed Safe transaction in the transaction service (rebuilt and hash-checked
// first), then one of them executes it, and the decision it carried is closed in the journal.
import type { Address, Hex } from "viem";
import { confirmProposed, executeProposed, type Executed, type SafeClientConfig } from "../safe";
import type { Journal } from "../journal";

/** The decision a proposal carried is on chain now: mark it executed with the transaction. */
export async function closeExecutedProposal(journal: Journal, safeTxHash: Hex, r: Executed): Promise<Hex | undefined> {
  const row = (await journal.recent(200)).find((x) => x.safeTxHash?.toLowerCase() === safeTxHash.toLowerCase());
  // Not final yet: reconciliation re-checks the receipt until it has enough confirmations (a reorg may remove it).
  if (row) await journal.update(row.hash, { status: "executed", final: false, outcome: { ...(row.outcome as object), executedTx: r.txHash, blockNumber: r.blockNumber } });
  return row?.hash;
}

export interface SignedAndExecuted extends Executed {
  confirmedBy: Address[];
  decision?: Hex;
}

/** Confirm with every key in `ownerKeys`, execute with the first, close the decision in the journal. */
export async function signAndExecute(cfg: SafeClientConfig, journal: Journal, safeTxHash: Hex, ownerKeys: Hex[]): Promise<SignedAndExecuted> {
  const confirmedBy: Address[] = [];
  for (const k of ownerKeys) confirmedBy.push((await confirmProposed(cfg, safeTxHash, k)).owner);
  const r = await executeProposed(cfg, safeTxHash, ownerKeys[0]);
  return { ...r, confirmedBy, decision: await closeExecutedProposal(journal, safeTxHash, r) };
}
