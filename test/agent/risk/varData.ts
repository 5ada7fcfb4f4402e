// The close column of a data/market daily CSV (header: date,open,high,low,close,...), gaps as null.
import fs from "node:fs";

export function readDailyCsv(file: string): (number | null)[] {
  const [header, ...rows] = fs.readFileSync(file, "utf8").trim().split("\n");
  const col = header.split(",").indexOf("close");
  if (col < 0) throw new Error(`${file}: no close column`);
  return rows.map((r) => {
    const v = r.split(",")[col];
    return v === "" || v === undefined ? null : Number(v);
  });
}
