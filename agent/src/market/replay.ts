// Replay provider: the same interface as the live one, answered from the daily files in data/market/
// (or any folder with the same files). Pure apart from reading the files once.
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../errors";
import { dayOf, isoOf, nextQuarterlyExpiry } from "./calendar";
import { DailyColumn, parseDailyCsv } from "./csv";
import { Field, FIELDS, MarketHistory, MarketProvider, MarketView } from "./types";
import { lastIndex, viewAt } from "./view";

export const REPLAY_FILES: Record<Field, { file: string; column: string; required: boolean; min: number; max: number }> = {
  btc: { file: "btc_usd_daily.csv", column: "close", required: true, min: 1, max: 10_000_000 },
  eth: { file: "eth_usd_daily.csv", column: "close", required: true, min: 0.01, max: 1_000_000 },
  mvrv: { file: "btc_mvrv_daily.csv", column: "mvrv", required: true, min: 0.05, max: 20 },
  funding: { file: "btc_funding_daily.csv", column: "funding_rate_daily_sum", required: true, min: -0.1, max: 0.1 },
  fearGreed: { file: "fear_greed_daily.csv", column: "value", required: true, min: 0, max: 100 },
  stableYield: { file: "stable_yield_daily.csv", column: "usdc_supply_rate", required: false, min: 0, max: 1 },
};

export const DEFAULT_DATA_DIR = path.resolve(__dirname, "..", "..", "..", "data", "market");

/** Builds one calendar-aligned history from per-field columns. */
export function alignHistory(cols: Partial<Record<Field, DailyColumn>>, sources: Partial<Record<Field, string>> = {}): MarketHistory {
  const present = Object.values(cols) as DailyColumn[];
  if (!present.length) throw new UserError("no market data to align");
  const startDay = Math.min(...present.map((c) => c.firstDay));
  const endDay = Math.max(...present.map((c) => c.firstDay + c.values.length));
  const length = endDay - startDay;
  const series = {} as Record<Field, Float64Array>;
  for (const f of FIELDS) {
    const s = new Float64Array(length).fill(Number.NaN);
    const c = cols[f];
    if (c) s.set(c.values, c.firstDay - startDay);
    series[f] = s;
  }
  return { startDay, length, series, sources };
}

export function loadHistory(dir: string = DEFAULT_DATA_DIR): MarketHistory {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UserError(`data folder ${dir} does not exist; pass --data DIR with the files of data/market/`);
  }
  const cols: Partial<Record<Field, DailyColumn>> = {};
  const sources: Partial<Record<Field, string>> = {};
  for (const f of FIELDS) {
    const spec = REPLAY_FILES[f];
    const file = path.join(dir, spec.file);
    if (!fs.existsSync(file)) {
      if (spec.required)
        throw new UserError(`${dir} has no ${spec.file}; pass --data DIR with the files of data/market/ (${requiredFiles()})`);
      continue;
    }
    const col = parseDailyCsv(fs.readFileSync(file, "utf8"), spec.column, file);
    for (let i = 0; i < col.values.length; i++) {
      const v = col.values[i];
      if (!Number.isNaN(v) && (v < spec.min || v > spec.max)) {
        throw new UserError(
          `${file}: ${spec.column} ${v} on ${isoOf(col.firstDay + i)} is outside [${spec.min}, ${spec.max}]; fix the row or leave it empty`,
        );
      }
    }
    cols[f] = col;
    sources[f] = `${spec.file}:${spec.column}`;
  }
  const h = alignHistory(cols, sources);
  h.lows = loadLows(dir, h);
  return h;
}

/** BTC and ETH daily lows from the same files, aligned on the history's days (NaN where missing). */
function loadLows(dir: string, h: MarketHistory): MarketHistory["lows"] {
  const out: NonNullable<MarketHistory["lows"]> = {};
  for (const f of ["btc", "eth"] as const) {
    const file = path.join(dir, REPLAY_FILES[f].file);
    const text = fs.readFileSync(file, "utf8");
    if (!text.slice(0, text.indexOf("\n")).split(",").map((c) => c.trim()).includes("low")) continue;
    const col = parseDailyCsv(text, "low", file);
    const s = new Float64Array(h.length).fill(Number.NaN);
    for (let i = 0; i < col.values.length; i++) {
      const k = col.firstDay + i - h.startDay;
      if (k >= 0 && k < h.length) s[k] = col.values[i];
    }
    out[f] = s;
  }
  return out;
}

function requiredFiles(): string {
  return FIELDS.filter((f) => REPLAY_FILES[f].required)
    .map((f) => REPLAY_FILES[f].file)
    .join(", ");
}

/** Last day a decision can be made for: the day after the last BTC close. */
export function lastDecisionDay(h: MarketHistory): number {
  return h.startDay + lastIndex(h.series.btc) + 1;
}

export function firstDecisionDay(h: MarketHistory): number {
  const s = h.series.btc;
  for (let i = 0; i < s.length; i++) if (!Number.isNaN(s[i])) return h.startDay + i + 1;
  return h.startDay;
}

export class ReplayProvider implements MarketProvider {
  readonly name = "replay";
  constructor(readonly history: MarketHistory) {}

  static fromDir(dir?: string): ReplayProvider {
    return new ReplayProvider(loadHistory(dir));
  }

  async view(date: string): Promise<MarketView> {
    return this.viewSync(date);
  }

  viewSync(date: string): MarketView {
    const day = dayOf(date);
    const first = firstDecisionDay(this.history);
    const last = lastDecisionDay(this.history);
    if (day < first || day > last) {
      throw new UserError(
        `no market data for ${date}: the data covers decisions from ${isoOf(first)} to ${isoOf(last)}; pick a date in that range`,
      );
    }
    // The options calendar is known in advance; max pain needs live open interest.
    return { ...viewAt(this.history, day), options: { nextExpiry: isoOf(nextQuarterlyExpiry(day)) } };
  }
}
