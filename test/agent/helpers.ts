import { alignHistory } from "../../agent/src/market/replay";
import { dayOf } from "../../agent/src/market/calendar";
import { FIELDS, Field, MarketHistory } from "../../agent/src/market/types";
import { expect } from "chai";
import { runStrategy } from "../../agent/src/backtest/engine";
import { strategyByName } from "../../agent/src/strategy/registry";
import type { Config } from "../../agent/src/strategy/config";
import type { Decision } from "../../agent/src/strategy/types";

/** A tiny history from `start`: every field given as an array (NaN = gap); missing fields are all gaps. */
export function tinyHistory(start: string, cols: Partial<Record<Field, number[]>>): MarketHistory {
  const firstDay = dayOf(start);
  const c: Partial<Record<Field, { firstDay: number; values: Float64Array }>> = {};
  for (const f of FIELDS) if (cols[f]) c[f] = { firstDay, values: Float64Array.from(cols[f]!) };
  return alignHistory(c);
}

export function cloneHistory(h: MarketHistory): MarketHistory {
  const series = Object.fromEntries(FIELDS.map((f) => [f, Float64Array.from(h.series[f])])) as MarketHistory["series"];
  const lows = h.lows && { btc: h.lows.btc && Float64Array.from(h.lows.btc), eth: h.lows.eth && Float64Array.from(h.lows.eth) };
  return { ...h, series, lows };
}

/**
 * A copy of `h` whose every value from day `d` on is scrambled (scaled, flipped, punched with gaps),
 * and its daily lows with it: a strategy that looks ahead decides differently on it before `d`.
 */
export function scrambleFrom(h: MarketHistory, d: number): MarketHistory {
  const m = cloneHistory(h);
  for (const f of FIELDS) {
    const s = m.series[f];
    for (let i = d - m.startDay; i < s.length; i++) s[i] = i % 7 === 0 ? Number.NaN : s[i] * (i % 2 ? 3 : 0.2) + 1;
  }
  for (const s of [m.lows?.btc, m.lows?.eth]) if (s) for (let i = d - m.startDay; i < s.length; i++) s[i] = s[i] * 0.01;
  return m;
}

/** Each named strategy decides the same on every day from `from` to `d` with the future from `d` scrambled. */
export function expectNoLookAhead(h: MarketHistory, names: readonly string[], from: number, d: number, c: Config): void {
  const m = scrambleFrom(h, d);
  for (const name of names) {
    const a: Decision[] = [];
    const b: Decision[] = [];
    runStrategy(h, strategyByName(name, c)!, from, d, c, { onDecision: (x) => a.push(x) });
    runStrategy(m, strategyByName(name, c)!, from, d, c, { onDecision: (x) => b.push(x) });
    expect(b.length, name).to.equal(d - from + 1);
    expect(JSON.stringify(b), name).to.equal(JSON.stringify(a));
  }
}
