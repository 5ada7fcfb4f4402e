// Chain logs → watch events. Pure: the decoded logs (with their block's time), who scheduled each
// change, and the settings in; events out. The block's time is the event's time (latency is
// measured from it).
import type { Address, Hex } from "viem";
import { usdNumber } from "../../usd";
import type { WatchEvent } from "../events";
import { iso, usd, watchEvent } from "../make";
import { decodeScheduled } from "./decode";
import type { Scheduler } from "./scheduler";

export interface ChainLog {
  address: Address;
  eventName: string;
  args: Record<string, unknown>;
  blockNumber: bigint;
  logIndex: number;
  txHash: Hex;
  /** The block's time (ms). */
  blockTime: number;
}

export interface ChainContext {
  safe: Address;
  policy: Address;
  module: Address;
  guard: Address;
  /** This agent's key: its own AgentExecuted is the cycle's business, not an alert. */
  agent?: Address;
  largeOutflowUsd: number;
  /** Who scheduled each ChangeScheduled, by transaction hash. */
  schedulers: Map<Hex, Scheduler>;
  /** When the watcher saw the logs (ms). */
  seenAt: number;
}

const same = (a: unknown, b: string | undefined) => typeof a === "string" && !!b && a.toLowerCase() === b.toLowerCase();

export function chainEvents(logs: readonly ChainLog[], c: ChainContext): WatchEvent[] {
  const out: WatchEvent[] = [];
  for (const l of logs) {
    const base = { at: l.blockTime, seenAt: c.seenAt, block: l.blockNumber, txHash: l.txHash };
    const id = `${l.txHash}:${l.logIndex}`;
    const where = `block ${l.blockNumber} (${iso(l.blockTime)}), transaction ${l.txHash}`;
    const a = l.args;
    if (same(l.address, c.policy) && l.eventName === "Paused") {
      const byModule = same(a.by, c.module);
      out.push(watchEvent({
        ...base, kind: "agent.paused", severity: "critical", key: id,
        title: byModule ? "Agent paused by the emergency exit" : `Agent paused by guardian ${a.by}`,
        lines: [`The policy paused the agent at ${where}.`, "The agent holds every cycle until the Safe (a threshold of owners) calls unpause()."],
        data: { by: a.by },
      }));
    } else if (same(l.address, c.policy) && l.eventName === "ChangeScheduled") {
      const target = a.target as Address;
      const data = a.data as Hex;
      const readyAt = Number(a.readyAt as bigint) * 1000;
      const d = decodeScheduled(target, data, c);
      const who = c.schedulers.get(l.txHash);
      const by = who ? `sent by ${who.sender}${who.signers.length ? `, signed by ${who.signers.join(", ")}` : ""}${who.safeTxHash ? ` (Safe transaction ${who.safeTxHash})` : ""}` : "sender unknown";
      const what = d.on === "policy" ? "policy loosening" : d.class === "unknown" ? "change" : `${d.class} change`;
      out.push(watchEvent({
        ...base, kind: "safe.changeScheduled", severity: "critical", key: `${a.id as string}:${readyAt}`,
        title: `Scheduled ${what} on the ${d.on === "unknown" ? "contract " + target : d.on === "safe" ? "Safe" : "policy"}: ${d.functionName ?? "unknown call"}, executable ${iso(readyAt)}`,
        lines: [
          `Scheduled: ${d.text}`,
          `Who: ${by}, at ${where}.`,
          `Executable from ${iso(readyAt)} (for 14 days after). If nobody meant this, cancel it before then: the Safe can cancel(${a.id as string}), and any guardian or owner once.`,
        ],
        data: { id: a.id, target, calldata: data, decoded: d, readyAt: iso(readyAt), readyAtUnix: readyAt / 1000, scheduledBy: who ? { sender: who.sender, signers: who.signers, safeTxHash: who.safeTxHash ?? null } : null },
      }));
    } else if (same(l.address, c.policy) && l.eventName === "DecisionRecorded") {
      out.push(watchEvent({
        ...base, kind: "decision.recorded", severity: "info", key: id,
        title: `Decision ${String(a.decisionHash).slice(0, 10)}… recorded on chain by ${a.by}`,
        lines: [`DecisionRecorded at ${where}: an owners' transaction carried this decision.`],
        data: { decisionHash: a.decisionHash, by: a.by },
      }));
    } else if (same(l.address, c.module) && l.eventName === "AgentExecuted" && !same(a.agent, c.agent)) {
      const size = usdNumber(a.sizeUsd as bigint);
      out.push(watchEvent({
        ...base, kind: "agent.executedByOther", severity: "critical", key: id,
        title: `Agent batch executed by another key ${a.agent} (${usd(size)})`,
        lines: [`AgentModule.execute by ${a.agent}, not this agent's key, at ${where}.`, "If that key is not another agent you run, pause the agent (any guardian) and remove the key (setAgent)."],
        data: { agent: a.agent, decisionHash: a.decisionHash, sizeUsd: size },
      }));
    } else if (same(l.address, c.module) && l.eventName === "EmergencyExitStarted") {
      out.push(watchEvent({
        ...base, kind: "emergency.exit", severity: "critical", key: id,
        title: `Emergency exit started by guardian ${a.guardian}`,
        lines: [`AgentModule.emergencyExit at ${where}: positions unwound into the Safe, the agent paused.`],
        data: { guardian: a.guardian },
      }));
    } else if (same(l.address, c.guard) && l.eventName === "OwnerTransactionChecked") {
      const outflow = usdNumber(a.outflowUsd as bigint);
      if (!(outflow > c.largeOutflowUsd)) continue;
      const payments = logs.filter((p) => p.txHash === l.txHash && same(p.address, c.guard) && p.eventName === "ExternalOutflow").map((p) => ({ token: p.args.token, to: p.args.to, amount: String(p.args.amount) }));
      out.push(watchEvent({
        ...base, kind: "outflow.large", severity: "critical", key: id,
        title: `${usd(outflow)} left the Safe (above ${usd(c.largeOutflowUsd)})`,
        lines: [`An owners' transaction paid ${usd(outflow)} out of the Safe at ${where}.`, ...payments.map((p) => `Payment of ${p.amount} (token ${p.token}) to ${p.to}.`)],
        data: { outflowUsd: outflow, safeTxHash: a.safeTxHash, payments },
      }));
    }
  }
  return out;
}
