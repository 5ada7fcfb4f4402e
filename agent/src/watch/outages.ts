// One outage, one alert. The watch loop and the cycle loop both meet a service that stops answering
// (the chain's RPC, the Safe Transaction Service); whichever meets it first tells it, the other
// notes it and stays quiet until the service answers again. These judge which outage an error or a
// cycle's reason is (pure).
import { isFailedCycle, type CycleReport } from "../cycle/types";
import { TX_SERVICE_ERROR } from "../safe/kits";
import { firstLine } from "../errors";

export type Outage = "rpc" | "txservice";

/** The watch loop's detector that reads the transaction service (its failing is that outage). */
export const TX_SERVICE_DETECTOR = "proposals";

/** Transport failures (the node is down or unreachable), as opposed to a detector's own bug or a revert. */
export function isRpcFailure(e: unknown): boolean {
  const names = new Set<string>();
  for (let x = e as { name?: string; cause?: unknown } | undefined, i = 0; x && i < 5; x = x.cause as typeof x, i++) if (x.name) names.add(x.name);
  return ["HttpRequestError", "TimeoutError", "WebSocketRequestError", "SocketClosedError"].some((n) => names.has(n)) || /fetch failed|ECONNREFUSED|ECONNRESET|socket hang up/.test(firstLine(e));
}

/** The same judgement on a cycle's reason text (`reconcile: HTTP request to http://host:port/ failed (fetch failed)`), for this RPC only. */
export function isRpcFailureText(reason: string, rpcUrl: string): boolean {
  let host: string;
  try {
    host = new URL(rpcUrl).host;
  } catch {
    return false;
  }
  return new RegExp(`HTTP request to https?://${host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\S* (failed|timed out)`).test(reason);
}

/**
 * Which outage stopped a cycle, if one did: the chain (the cycle aborts) or the transaction service
 * (a call to it failed or got a 5xx / 429: kits.ts names the service and the status in the error,
 * api-kit alone says "Bad Gateway").
 */
export function cycleOutage(r: Pick<CycleReport, "status" | "reason">, rpcUrl: string): Outage | undefined {
  if (!isFailedCycle(r.status)) return undefined;
  const reason = r.reason ?? "";
  if (r.status === "aborted" && isRpcFailureText(reason, rpcUrl)) return "rpc";
  // A 4xx other than 429 is the service refusing this proposal, not the service being down.
  if (reason.includes(TX_SERVICE_ERROR) && !/: HTTP 4(?!29)\d\d /.test(reason)) return "txservice";
  return undefined;
}
