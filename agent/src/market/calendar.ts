// Calendar days as integers (days since 1970-01-01 UTC): cheap to index arrays by and free of time zones.
import { UserError } from "../errors";

const DAY_MS = 86_400_000;
const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

export function dayOf(iso: string): number {
  const m = ISO.exec(iso);
  if (!m) throw new UserError(`"${iso}" is not a date: use YYYY-MM-DD (e.g. 2024-01-31)`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const day = ms / DAY_MS;
  if (isoOf(day) !== iso) throw new UserError(`"${iso}" is not a calendar date: use a real YYYY-MM-DD day`);
  return day;
}

export function isoOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function todayDay(now: Date = new Date()): number {
  return Math.floor(now.getTime() / DAY_MS);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

export function monthOf(day: number): number {
  return new Date(day * DAY_MS).getUTCMonth() + 1;
}

export function dayOfMonth(day: number): number {
  return new Date(day * DAY_MS).getUTCDate();
}

/** Last Friday of a month (month 1..12). */
export function lastFriday(year: number, month: number): number {
  const lastDay = Date.UTC(year, month, 0) / DAY_MS; // day 0 of the next month = last day of this one
  const back = (weekday(lastDay) - 5 + 7) % 7;
  return lastDay - back;
}

/**
 * Deribit/Binance quarterly expiry: last Friday of Mar/Jun/Sep/Dec, 08:00 UTC. Returns the first
 * expiry day on or after `day` (an expiry day itself counts: it settles during that day).
 */
export function nextQuarterlyExpiry(day: number): number {
  const d = new Date(day * DAY_MS);
  let year = d.getUTCFullYear();
  let month = Math.ceil((d.getUTCMonth() + 1) / 3) * 3;
  for (;;) {
    const e = lastFriday(year, month);
    if (e >= day) return e;
    month += 3;
    if (month > 12) {
      month = 3;
      year += 1;
    }
  }
}
