// A watch event as an alert (agent/src/alerts), and its delivery: through the dispatcher (every
// channel at once, deduplicated by the event's key in the journal's alert log), with the delivery
// time, so the loop can record the latency.
import type { Alert, AlertDispatcher, DispatchResult } from "../alerts";
import type { WatchEvent } from "./events";
import { iso } from "./make";

export function watchAlert(e: WatchEvent): Alert {
  const fields: [string, string][] = [["event time", `${iso(e.at)}${e.block !== undefined ? ` (block ${e.block})` : ""}`]];
  if (e.txHash) fields.push(["transaction", e.txHash]);
  return {
    kind: e.kind,
    severity: e.severity,
    title: e.title,
    lines: e.lines,
    fields,
    key: e.key,
    data: { ...e.data, kind: e.kind, eventAt: iso(e.at), seenAt: iso(e.seenAt), block: e.block?.toString() ?? null, txHash: e.txHash ?? null },
  };
}

export interface Delivery {
  result: DispatchResult;
  /** When the channels took it (ms); undefined when held back or nothing took it. */
  deliveredAt?: number;
}

export type Deliver = (e: WatchEvent) => Promise<Delivery>;

export function dispatcherDelivery(d: AlertDispatcher, now: () => number = Date.now): Deliver {
  return async (e) => {
    const result = await d.send(watchAlert(e));
    return { result, deliveredAt: result.delivered.length ? now() : undefined };
  };
}
