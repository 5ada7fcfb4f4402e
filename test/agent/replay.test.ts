import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dayOf } from "../../agent/src/market/calendar";
import { parseDailyCsv } from "../../agent/src/market/csv";
import { DEFAULT_DATA_DIR, loadHistory, ReplayProvider } from "../../agent/src/market/replay";
import { viewAt } from "../../agent/src/market/view";
import { defaultConfig } from "../../agent/src/strategy/config";
import { seedStrategy } from "../../agent/src/strategy/seed";
import { allocate } from "../../agent/src/strategy/allocation";
import { capLimits } from "../../agent/src/strategy/caps";
import { userErrorOf } from "./helpers/edges";


describe("agent replay provider", () => {
  it("parses a daily CSV: empty cells and missing days are gaps (NaN), never zeros", () => {
    const c = parseDailyCsv("date,value,x\n2024-01-01,5,a\n2024-01-02,,b\n2024-01-04,7,c\n", "value", "f.csv");
    expect(c.firstDay).to.equal(dayOf("2024-01-01"));
    expect(Array.from(c.values).map((v) => (Number.isNaN(v) ? null : v))).to.deep.equal([5, null, null, 7]);
  });

  it("rejects malformed rows with the file, line and fix", () => {
    expect(userErrorOf(() => parseDailyCsv("date,value\n2024-01-01,abc\n", "value", "f.csv"))).to.match(
      /^f\.csv:2: "abc" in column value is not a number; fix it or leave the cell empty/,
    );
    expect(userErrorOf(() => parseDailyCsv("date,value\n2024-13-01,1\n", "value", "f.csv"))).to.match(
      /^f\.csv:2: "2024-13-01" is not a YYYY-MM-DD date/,
    );
    expect(userErrorOf(() => parseDailyCsv("date,value\n2024-01-02,1\n2024-01-01,1\n", "value", "f.csv"))).to.match(
      /f\.csv:3: date 2024-01-01 is not after the previous row/,
    );
    expect(userErrorOf(() => parseDailyCsv("date,value\n2024-01-02,1,2\n", "value", "f.csv"))).to.match(
      /f\.csv:2: 3 cells where the header has 2/,
    );
    expect(userErrorOf(() => parseDailyCsv("date,other\n2024-01-02,1\n", "value", "f.csv"))).to.match(/no "value" column/);
  });

  it("names the missing file and the fix for a folder without the data", () => {
    expect(userErrorOf(() => loadHistory(fs.mkdtempSync(path.join(os.tmpdir(), "empty-"))))).to.match(
      /has no btc_usd_daily\.csv; pass --data DIR/,
    );
    expect(userErrorOf(() => loadHistory(path.join(os.tmpdir(), "no-such-dir-i7")))).to.match(/does not exist/);
  });

  it("rejects an absurd value in a file (BTC at 0)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "replay-"));
    for (const f of fs.readdirSync(DEFAULT_DATA_DIR)) fs.copyFileSync(path.join(DEFAULT_DATA_DIR, f), path.join(dir, f));
    const file = path.join(dir, "btc_usd_daily.csv");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/^2020-03-12,([^,]*),([^,]*),([^,]*),[^,]*,/m, "2020-03-12,$1,$2,$3,0,"));
    expect(userErrorOf(() => loadHistory(dir))).to.match(/close 0 on 2020-03-12 is outside/);
    fs.rmSync(dir, { recursive: true });
  });

  it("real data: the Fear & Greed gap of 2018-04-14..16 is a gap; seed holds once it is stale", () => {
    const h = loadHistory();
    const i = dayOf("2018-04-14") - h.startDay;
    expect(Number.isNaN(h.series.fearGreed[i])).to.equal(true);
    expect(h.series.fearGreed[i - 1]).to.be.greaterThan(0);
    const c = defaultConfig();
    const s = seedStrategy(c);
    const current = allocate(0, c, capLimits(c));
    // On the 16th the latest value (13th) is 3 days old: within the limit.
    expect(viewAt(h, dayOf("2018-04-16")).issues.map((x) => x.field)).to.not.include("fearGreed");
    const d = s.decide({ view: viewAt(h, dayOf("2018-04-17")), current, state: undefined }).decision;
    expect(d.hold).to.equal(true);
    expect(d.issues.find((x) => x.field === "fearGreed")!.reason).to.contain("2018-04-13, 4 days old");
  });

  it("answers only for days the data covers, with the range in the error", async () => {
    const r = ReplayProvider.fromDir();
    const v = await r.view("2022-06-18");
    expect(v.date).to.equal("2022-06-18");
    expect(v.series.btc.length).to.equal(dayOf("2022-06-18") - r.history.startDay);
    expect(userErrorOf(() => r.viewSync("2030-01-01"))).to.match(
      /no market data for 2030-01-01: the data covers decisions from 2016-07-02 to 2025-07-01/,
    );
  });
});
