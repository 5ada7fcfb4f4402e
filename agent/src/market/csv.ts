import { dayOf } from "./calendar";
import { UserError } from "../errors";

export interface DailyColumn {
  firstDay: number;
  /** One value per calendar day from firstDay; NaN for an empty cell or a day without a row. */
  values: Float64Array;
}

/**
 * Parses one daily CSV (`date,...` header, one row per day, ascending) and returns `column`.
 * Strict: a malformed row is an error naming the file, line and fix; an empty cell is a gap.
 */
export function parseDailyCsv(text: string, column: string, file: string): DailyColumn {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((s) => s.trim());
  if (header[0] !== "date") throw new UserError(`${file}: the first column must be "date" (header is "${lines[0] ?? ""}")`);
  const col = header.indexOf(column);
  if (col < 0)
    throw new UserError(`${file}: no "${column}" column in header "${lines[0]}"; use the layout described in data/market/SOURCES.md`);
  const days: number[] = [];
  const vals: number[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n];
    if (line.trim() === "") continue;
    const cells = line.split(",");
    const where = `${file}:${n + 1}`;
    if (cells.length !== header.length) {
      throw new UserError(`${where}: ${cells.length} cells where the header has ${header.length}; fix the row "${line}"`);
    }
    let day: number;
    try {
      day = dayOf(cells[0].trim());
    } catch {
      throw new UserError(`${where}: "${cells[0]}" is not a YYYY-MM-DD date; fix the row`);
    }
    if (days.length && day <= days[days.length - 1]) {
      throw new UserError(`${where}: date ${cells[0]} is not after the previous row; rows must go up one day at a time`);
    }
    const cell = cells[col].trim();
    let v = Number.NaN;
    if (cell !== "") {
      v = Number(cell);
      if (!Number.isFinite(v))
        throw new UserError(`${where}: "${cell}" in column ${column} is not a number; fix it or leave the cell empty for a gap`);
    }
    days.push(day);
    vals.push(v);
  }
  if (!days.length) throw new UserError(`${file}: no data rows`);
  const firstDay = days[0];
  const values = new Float64Array(days[days.length - 1] - firstDay + 1).fill(Number.NaN);
  for (let i = 0; i < days.length; i++) values[days[i] - firstDay] = vals[i];
  return { firstDay, values };
}
