// Replay progress: a bar on a terminal (cli-progress: simulated date, NAV, return so far, last
// action, days/s), one plain line per day otherwise (a log file, CI).
import { SingleBar } from "cli-progress";
import type { DayResult } from "./driver";

export interface Progress {
  start(total: number, startNav: number): void;
  day(d: DayResult): void;
  /** A line that must not be drawn over by the bar. */
  say(line: string): void;
  stop(): void;
}

const money = (x: number) => `$${Math.round(x).toLocaleString("en-US")}`;

/** What the day did, in a few words (the progress bar's "last action"). */
export function actionOf(d: DayResult): string {
  const r = d.report;
  if (d.signed.length) return `owners #1 #2 signed and executed ${d.signed.map((s) => s.txHash.slice(0, 10)).join(", ")}`;
  if (r.status === "executed") return `executed ${r.txHash?.slice(0, 10) ?? ""} (module)`;
  if (r.status === "proposed") return `proposed ${r.safeTxHash?.slice(0, 10) ?? ""} to the owners`;
  return `${r.status}${r.reason ? `: ${r.reason.slice(0, 60)}` : ""}`;
}

export function makeProgress(o: { tty: boolean; out?: (s: string) => void }): Progress {
  const out = o.out ?? ((s: string) => process.stdout.write(s + "\n"));
  let startNav = 0;
  let t0 = 0;
  let n = 0;
  let lastAction = "starting";
  if (o.tty) {
    const bar = new SingleBar({
      format: "{date} [{bar}] {value}/{total} days | NAV {nav} | return {ret} | {speed} days/s | {action}",
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 5,
    });
    return {
      start(total, nav) {
        startNav = nav;
        t0 = performance.now();
        bar.start(total, 0, { date: "----------", nav: money(nav), ret: "0.00%", speed: "0.0", action: lastAction });
      },
      day(d) {
        n++;
        lastAction = d.signed.length || d.report.status !== "skipped" ? actionOf(d) : lastAction;
        const speed = n / Math.max((performance.now() - t0) / 1000, 1e-6);
        bar.update(n, { date: d.date, nav: money(d.navUsd), ret: `${((d.navUsd / startNav - 1) * 100).toFixed(2)}%`, speed: speed.toFixed(1), action: lastAction.slice(0, 70) });
      },
      say(line) {
        // Above the bar: cli-progress redraws on the next update.
        process.stdout.write(`\r\x1b[K${line}\n`);
      },
      stop() {
        bar.stop();
      },
    };
  }
  return {
    start(total, nav) {
      startNav = nav;
      t0 = performance.now();
      out(`[replay] ${total} days from NAV ${money(nav)}`);
    },
    day(d) {
      n++;
      const speed = n / Math.max((performance.now() - t0) / 1000, 1e-6);
      // "[agent] cycle <date>: STATUS" as `treasury run` prints it (CI and logs look for it).
      out(`[agent] cycle ${d.date}: ${d.report.status.toUpperCase()} | NAV ${money(d.navUsd)} | return ${((d.navUsd / startNav - 1) * 100).toFixed(2)}% | ${speed.toFixed(1)} days/s | ${actionOf(d)}`);
      for (const s of d.signed) out(`[owners] ${s.safeTxHash} (proposed ${s.proposedOn}) signed by local owners ${s.confirmedBy.join(" and ")}, executed in ${s.txHash}`);
      for (const e of d.ownerErrors) out(`[owners] ${e}`);
    },
    say: out,
    stop() {},
  };
}
