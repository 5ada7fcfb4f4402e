// The agent under test: the real `treasury run --json` as a child process (agent/bin/treasury.js),
// with its cycle reports read from its stdout, its resident memory sampled from /proc, its
// Prometheus metrics scraped (watch ticks count themselves once the agent exports them), and a
// SIGKILL + restart at any moment.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

export interface CycleLine {
  at: number;
  status: string;
  date: string;
  reason?: string;
  hash?: string;
  safeTxHash?: string;
  txHash?: string;
  totalMs: number;
}

export interface SoakAgent {
  cycles: CycleLine[];
  starts: number;
  /** Exits the harness did not cause (a crash), with their code. */
  crashes: { at: number; code: number | null; signal: string | null; lastError: string }[];
  rssSamples: { at: number; kb: number; pid: number }[];
  /** kb: the V8 heap in use; newSpaceKb: of it, the nursery's (new space) at that moment. */
  heapSamples: { at: number; kb: number; newSpaceKb?: number; pid: number }[];
  /** Reads the V8 heap in use from the agent's /metrics into heapSamples. */
  sampleHeap(): Promise<void>;
  pid(): number | undefined;
  alive(): boolean;
  kill(): Promise<void>;
  start(): void;
  sampleRss(): void;
  metrics(): Promise<string | undefined>;
  /** The watch loop's ticks in this process (GET /api/watch), once the agent runs one. */
  watchTicks(): Promise<number | undefined>;
  stop(): Promise<void>;
  /** With SOAK_HEAP_SNAPSHOTS=dir: has the agent write a V8 heap snapshot into dir (SIGUSR2) and
   * resolves with its path once written; undefined when off or the agent is not running. */
  heapSnapshot(): Promise<string | undefined>;
}

/** Opt-in (off by default: a snapshot pauses the agent for seconds and writes ~100 MB): a directory
 * where the agent writes V8 heap snapshots on SIGUSR2, to see what its heap holds over a soak. */
export const HEAP_SNAPSHOT_DIR = process.env.SOAK_HEAP_SNAPSHOTS ? path.resolve(process.env.SOAK_HEAP_SNAPSHOTS) : undefined;

/** VmRSS of a process in kB (Linux /proc), or undefined once it is gone. */
export function rssKb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function soakAgent(o: { env: NodeJS.ProcessEnv; intervalSeconds: number; serverPort: number; log: (s: string) => void; logFile: string }): SoakAgent {
  let child: ChildProcess | undefined;
  let killing = false;
  const logOut = fs.createWriteStream(o.logFile, { flags: "a" });
  const self: SoakAgent = {
    cycles: [],
    starts: 0,
    crashes: [],
    rssSamples: [],
    heapSamples: [],
    async sampleHeap() {
      const pid = child?.pid;
      const text = (await self.metrics()) ?? "";
      const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([\d.e+]+)/m.exec(text);
      const n = /^nodejs_heap_space_size_used_bytes\{space="new"\} ([\d.e+]+)/m.exec(text);
      if (pid && m) self.heapSamples.push({ at: Date.now(), kb: Math.round(Number(m[1]) / 1024), ...(n ? { newSpaceKb: Math.round(Number(n[1]) / 1024) } : {}), pid });
    },
    pid: () => child?.pid,
    alive: () => !!child && child.exitCode === null && child.signalCode === null,
    start() {
      self.starts++;
      const snap = HEAP_SNAPSHOT_DIR ? [`--heapsnapshot-signal=SIGUSR2`, `--diagnostic-dir=${HEAP_SNAPSHOT_DIR}`] : [];
      const c = spawn(process.execPath, [...snap, path.join(ROOT, "agent", "bin", "treasury.js"), "run", "--json", "--interval", String(o.intervalSeconds)], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ...o.env, AGENT_SERVER_ENABLED: "true", AGENT_SERVER_PORT: String(o.serverPort) },
      });
      child = c;
      let rest = "";
      c.stdout!.on("data", (d: Buffer) => {
        const lines = (rest + d.toString()).split("\n");
        rest = lines.pop()!;
        for (const l of lines) {
          if (!l.startsWith("{")) continue;
          try {
            const r = JSON.parse(l) as Omit<CycleLine, "at">;
            self.cycles.push({ at: Date.now(), status: r.status, date: r.date, reason: r.reason, hash: r.hash, safeTxHash: r.safeTxHash, txHash: r.txHash, totalMs: r.totalMs });
          } catch {
            // not a cycle report
          }
        }
      });
      let lastError = "";
      c.stderr!.on("data", (d: Buffer) => {
        logOut.write(d);
        // What it died of: an uncaught exception's first line (`Error: …`) or the CLI's `error: …`,
        // not the last error it logged while running (those are in the log file).
        for (const l of d.toString().split("\n")) if (/^(\w*Error|error): /.test(l)) lastError = l.slice(0, 300);
      });
      c.once("exit", (code, signal) => {
        if (killing && c === child) return;
        if (c !== child) return;
        self.crashes.push({ at: Date.now(), code, signal, lastError });
        o.log(`agent exited by itself (code ${code}, signal ${signal}): ${lastError || "no error logged"}; restarting`);
        // A supervisor (systemd, Docker) restarts it; so does the soak, after a second.
        setTimeout(() => !killing && self.start(), 1_000);
      });
    },
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      killing = true;
      await new Promise<void>((r) => {
        c.once("exit", () => r());
        c.kill("SIGKILL");
      });
      killing = false;
    },
    sampleRss() {
      const pid = child?.pid;
      const kb = pid && self.alive() ? rssKb(pid) : undefined;
      if (pid && kb) self.rssSamples.push({ at: Date.now(), kb, pid });
    },
    async watchTicks() {
      try {
        const res = await fetch(`http://127.0.0.1:${o.serverPort}/api/watch`, { signal: AbortSignal.timeout(2_000) });
        const body = res.ok ? ((await res.json()) as { ticks?: number }) : undefined;
        return typeof body?.ticks === "number" ? body.ticks : undefined;
      } catch {
        return undefined;
      }
    },
    async metrics() {
      try {
        const res = await fetch(`http://127.0.0.1:${o.serverPort}/metrics`, { signal: AbortSignal.timeout(2_000) });
        return res.ok ? await res.text() : undefined;
      } catch {
        return undefined;
      }
    },
    async heapSnapshot() {
      const c = child;
      if (!HEAP_SNAPSHOT_DIR || !c?.pid || !self.alive()) return undefined;
      fs.mkdirSync(HEAP_SNAPSHOT_DIR, { recursive: true });
      const mine = () => fs.readdirSync(HEAP_SNAPSHOT_DIR).filter((f) => f.endsWith(".heapsnapshot") && f.includes(`.${c.pid}.`));
      const before = new Set(mine());
      c.kill("SIGUSR2");
      // Written once its size stops changing (V8 streams it out); at most 120 s.
      const end = Date.now() + 120_000;
      let last = -1;
      while (Date.now() < end) {
        await new Promise((r) => setTimeout(r, 1_000));
        const f = mine().find((x) => !before.has(x));
        if (!f) continue;
        const size = fs.statSync(path.join(HEAP_SNAPSHOT_DIR, f)).size;
        if (size > 0 && size === last) return path.join(HEAP_SNAPSHOT_DIR, f);
        last = size;
      }
      return undefined;
    },
    async stop() {
      const c = child;
      killing = true;
      if (c && c.exitCode === null && c.signalCode === null) {
        await new Promise<void>((r) => {
          const t = setTimeout(() => c.kill("SIGKILL"), 10_000);
          c.once("exit", () => (clearTimeout(t), r()));
          c.kill("SIGTERM");
        });
      }
      logOut.end();
    },
  };
  return self;
}

/** Watch ticks the agent reports in its metrics (any counter named treasury_watch_*tick*_total), summed. */
export function watchTicks(metrics: string | undefined): number | undefined {
  if (!metrics) return undefined;
  let n: number | undefined;
  for (const l of metrics.split("\n")) {
    const m = /^(treasury_watch\w*tick\w*_total)(\{[^}]*\})?\s+([\d.e+]+)/.exec(l);
    if (m) n = (n ?? 0) + Number(m[3]);
  }
  return n;
}
