// MVRV crossing 3.5 (the strategy's sell-the-top line), either way. Pure: the last side seen and a
// new value in. The first value only sets the side.
import type { WatchEvent } from "../events";
import { iso, watchEvent } from "../make";

export const MVRV_LINE = 3.5;

export interface MvrvState {
  above?: boolean;
}

export function detectMvrv(s: MvrvState, value: number, at: number): { state: MvrvState; events: WatchEvent[] } {
  if (!Number.isFinite(value)) return { state: s, events: [] };
  const above = value > MVRV_LINE;
  if (s.above === undefined || s.above === above) return { state: { above }, events: [] };
  return {
    state: { above },
    events: [watchEvent({
      kind: "mvrv.cross", severity: "warning", at, key: `${above ? "up" : "down"}:${at}`,
      title: `BTC MVRV crossed ${MVRV_LINE} ${above ? "upwards" : "downwards"} (${value.toFixed(2)})`,
      lines: [`MVRV ${value.toFixed(2)} at ${iso(at)}: ${above ? "the strategy's top signal (sell part of the volatile sleeve) is on" : "the top signal is off again"}.`],
      data: { mvrv: value, line: MVRV_LINE, above },
    })],
  };
}
