// Which outcomes of the agent alert, and what they say (pure: a report in, an alert or nothing out).
// Failures and holds ("when in doubt the agent does nothing and alerts") are deduplicated by kind
// and reason; proposals and emergency exits are one alert each.
import { isFailedCycle, type CycleReport } from "../cycle/types";
import type { ExitReport } from "../cycle/emergency";
import type { SentAlert } from "./dedup";
import type { Alert } from "./types";

/** Kinds that stay open until a later cycle succeeds (then one "recovered" alert). */
export const OPEN_KINDS = ["cycle.failed", "cycle.aborted", "cycle.held"] as const;

const HELD: Record<NonNullable<CycleReport["held"]>, string> = {
  paused: "the agent is paused by a guardian",
  "stale-data": "market data is stale or prices are broken",
  risk: "the risk limits (VaR / drawdown) stopped the plan",
  rejected: "the approver rejected the plan",
  reviewer: "the reviewer's smaller plan did not pass",
};

/** Safe web app chain prefixes (EIP-3770) for the chains the app serves. */
const SAFE_APP_PREFIX: Record<number, string> = { 1: "eth", 10: "oeth", 100: "gno", 137: "matic", 8453: "base", 42161: "arb1", 11155111: "sep" };

/** Reason text without the parts that change between repeats of one problem (hashes, numbers). */
export const reasonKey = (s: string) =>
  s
    .replace(/0x[0-9a-fA-F]{6,}/g, "0x…")
    .replace(/\d+(\.\d+)?/g, "#")
    .slice(0, 300);

const cycleOf = (r: CycleReport) => {
  const [chainId, safe] = r.cycleKey.split(":");
  return { chainId: Number(chainId), safe };
};

export function safeAppTxUrl(chainId: number, safe: string, safeTxHash: string): string | undefined {
  const p = SAFE_APP_PREFIX[chainId];
  return p && `https://app.safe.global/transactions/tx?safe=${p}:${safe}&id=multisig_${safe}_${safeTxHash}`;
}

export function cycleAlert(r: CycleReport, o: { executed: boolean }): Alert | undefined {
  const { chainId, safe } = cycleOf(r);
  const data = { date: r.date, cycleKey: r.cycleKey, status: r.status, reason: r.reason ?? null, hash: r.hash ?? null, chainId, safe };
  const fields: [string, string][] = [["Safe", `${safe} (chain ${chainId})`]];
  if (r.hash) fields.push(["decision", r.hash]);
  if (isFailedCycle(r.status)) {
    const kind = `cycle.${r.status}`;
    return {
      kind,
      severity: "critical",
      title: `Cycle ${r.date} ${r.status.toUpperCase()}: nothing was sent`,
      lines: [r.reason ?? "no reason recorded", "The agent keeps running; it tries again next cycle. Look at its log and `treasury status`."],
      fields,
      key: `${kind}:${reasonKey(r.reason ?? "")}`,
      data,
    };
  }
  if (r.status === "skipped" && r.held) {
    return {
      kind: "cycle.held",
      severity: "warning",
      title: `Cycle ${r.date} held: ${HELD[r.held]}`,
      lines: [r.reason ?? HELD[r.held], "Nothing was sent. The agent does nothing while in doubt; it tries again next cycle."],
      fields,
      key: `cycle.held:${r.held}:${reasonKey(r.reason ?? "")}`,
      data: { ...data, held: r.held },
    };
  }
  if (r.status === "proposed" && r.safeTxHash) {
    const links: [string, string][] = [];
    const app = safeAppTxUrl(chainId, safe, r.safeTxHash);
    if (app) links.push(["Open in the Safe web app", app]);
    if (r.proposalUrl) links.push(["Proposal (Safe Transaction Service)", r.proposalUrl]);
    return {
      kind: "proposal.created",
      severity: "warning",
      title: `Signers needed: proposal for ${r.date}`,
      lines: [r.reason ?? "proposed to the owners", "Owners: review, confirm and execute it in the Safe web app (or `treasury sign` / `treasury execute`)."],
      fields: [...fields, ["safeTxHash", r.safeTxHash]],
      links,
      key: `proposal.created:${r.safeTxHash}`,
      data: { ...data, safeTxHash: r.safeTxHash, proposalUrl: r.proposalUrl ?? null, safeAppUrl: app ?? null },
    };
  }
  if (r.status === "executed" && o.executed) {
    return {
      kind: "cycle.executed",
      severity: "info",
      title: `Cycle ${r.date}: batch executed through the module`,
      lines: [r.reason ?? "within the autonomy limit and budget"],
      fields: r.txHash ? [...fields, ["transaction", r.txHash]] : fields,
      key: r.txHash && `cycle.executed:${r.txHash}`,
      data: { ...data, txHash: r.txHash ?? null },
    };
  }
  return undefined;
}

/** A cycle that worked: it closes open failure and hold alerts. */
export const cycleSucceeded = (r: CycleReport) => r.status === "executed" || r.status === "proposed" || r.status === "already" || (r.status === "skipped" && !r.held);

export function recoveredAlert(r: CycleReport, was: SentAlert[]): Alert {
  return {
    kind: "recovered",
    severity: "info",
    title: `Recovered: cycle ${r.date} ${r.status}`,
    lines: ["Resolved since:", ...was.map((w) => `• ${w.title}${w.suppressed ? ` (repeated ${w.suppressed} more times)` : ""}`)],
    fields: [["Safe", `${cycleOf(r).safe} (chain ${cycleOf(r).chainId})`]],
    data: { date: r.date, status: r.status, resolved: was.map((w) => ({ kind: w.kind, title: w.title, sentAt: w.sentAt.toISOString(), suppressed: w.suppressed })) },
  };
}

export function emergencyExitAlert(r: ExitReport): Alert {
  return {
    kind: "emergency.exit",
    severity: "critical",
    title: "Emergency exit executed: the agent is paused",
    lines: [r.exited.length ? r.exited.map((x) => `${x.token}: ${x.success ? "exited" : "NOT exited"} (balance ${x.balanceBefore} → ${x.balanceAfter})`).join("\n") : "no open positions"],
    fields: [
      ["guardian", r.guardian],
      ["transaction", r.txHash],
    ],
    data: { txHash: r.txHash, guardian: r.guardian, exited: r.exited.map((x) => ({ ...x, balanceBefore: x.balanceBefore.toString(), balanceAfter: x.balanceAfter.toString() })) },
  };
}

export function emergencyExitFailedAlert(error: string): Alert {
  return {
    kind: "emergency.exit-failed",
    severity: "critical",
    title: "Emergency exit FAILED",
    lines: [error, "The positions may still be open and the agent may not be paused: act now (pause from the Safe, or run the exit again)."],
    data: { error },
  };
}
