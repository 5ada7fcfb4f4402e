// Safe proposals waiting for the owners longer than watch.proposalMaxAgeHours. Pure: the pending
// list (from the transaction service) and the poll's time in; one alert per proposal.
import type { WatchEvent } from "../events";
import { iso, watchEvent } from "../make";

export interface PendingProposal {
  safeTxHash: string;
  nonce: number;
  submissionDate: string;
  confirmations: number;
  confirmationsRequired: number;
}

export interface ProposalState {
  /** Proposals already reported (only those still pending are kept). */
  told: Record<string, true>;
}

export function detectStaleProposals(s: ProposalState, pending: readonly PendingProposal[], at: number, maxAgeHours: number): { state: ProposalState; events: WatchEvent[] } {
  const out: WatchEvent[] = [];
  const told: Record<string, true> = {};
  for (const p of pending) {
    const since = Date.parse(p.submissionDate);
    const hours = (at - since) / 3_600_000;
    if (!(hours > maxAgeHours)) continue;
    told[p.safeTxHash] = true;
    if (s.told[p.safeTxHash]) continue;
    out.push(watchEvent({
      kind: "proposal.stale", severity: "warning", at, key: p.safeTxHash,
      title: `Proposal ${p.safeTxHash.slice(0, 10)}… waits ${hours.toFixed(0)} h for the owners (${p.confirmations}/${p.confirmationsRequired} signatures)`,
      lines: [`Safe transaction ${p.safeTxHash} (nonce ${p.nonce}) proposed ${iso(since)}, older than ${maxAgeHours} h. Sign or reject it: while it waits, later decisions on the owner path queue behind its nonce.`],
      data: { ...p, ageHours: hours },
    }));
  }
  return { state: { told }, events: out };
}
