// `npm run soak -- [--hours 24] [--speed 180] [--seed 1] [--faults N] [--out bench/soak.json]`: a
// stretch of the agent's life in compressed time on the local world, with faults injected between
// its cycles. The real agent (`treasury run`) runs as a child process with a cycle every simulated
// hour (3600 / speed real seconds); each fault the seeded plan names is put in after a cycle and
// taken out once the next cycle has met it. At the end the chain, the transaction service and the
// alert receiver are read back and counted (accounting.ts) into bench/soak.json.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../processes";
import { UserError } from "../../agent/src/errors";
import { withTimeout } from "../../agent/src/server/timeout";
import { seeded } from "../rng";
import { FAULT_KINDS, SILENT_KINDS, planFaults, type FaultKind, type PlannedFault } from "./schedule";
import { startSoakWorld, type SoakWorld } from "./world";
import { HEAP_SNAPSHOT_DIR, soakAgent, watchTicks, type SoakAgent } from "./agent";
import { owners } from "./owners";
import { account, type AlertDelivery, type FaultRecord, type SoakFigures, type SoakRecords } from "./accounting";
import { chainRecords, txServiceProposals } from "./collect";

export interface SoakOptions {
  hours: number;
  /** Simulated seconds per real second. */
  speed: number;
  seed: number;
  /** Faults to inject (default: one per two simulated hours, at least one of each kind from 22 h). */
  faults?: number;
  kinds?: readonly FaultKind[];
  log?: (s: string) => void;
  /** Real ms the whole run may take (default: twice the schedule plus 5 min); past it runSoak fails
   * saying what it was waiting for, with the agent log's path and last lines. */
  deadlineMs?: number;
}

export type SoakResult = SoakFigures & {
  /** What the accounting was given (kept out of bench/soak.json). */
  records: SoakRecords; seed: number; speed: number; realSeconds: number; slotSeconds: number; watchTicks: number | null; agentStarts: number; agentCrashes: number; faultLog: FaultRecord[] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Set once the run is over its deadline: every polling wait ends at its next look. */
class Cancelled extends Error {}
let cancelled: { why: string } | undefined;
const checkCancelled = () => {
  if (cancelled) throw new Cancelled(cancelled.why);
};

/** Resolves once the agent has reported `n` cycles, or after `maxMs` (false). */
async function cyclesReach(agent: SoakAgent, n: number, maxMs: number): Promise<boolean> {
  const end = Date.now() + maxMs;
  while (agent.cycles.length < n) {
    checkCancelled();
    if (Date.now() > end) return false;
    await sleep(100);
  }
  return true;
}

/**
 * Resolves once the agent has reported a cycle that started after `since` (real ms), or after
 * `maxMs` (false). A fault must be met by a whole cycle: a cycle already running when it went in may
 * have passed the faulty service before it (a refused RPC cleared 0.5 s later proved nothing).
 */
async function cycleStartedAfter(agent: SoakAgent, since: number, maxMs: number): Promise<boolean> {
  const end = Date.now() + maxMs;
  while (!agent.cycles.some((c) => c.at - c.totalMs >= since)) {
    checkCancelled();
    if (Date.now() > end) return false;
    await sleep(100);
  }
  return true;
}

/** The last `n` lines of a file ("" when it cannot be read). */
export function tailOf(file: string, n = 30): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").filter(Boolean).slice(-n).join("\n");
  } catch {
    return "";
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? ((s: string) => console.log(`[soak] ${s}`));
  const slotMs = Math.round((3600 / o.speed) * 1000);
  if (slotMs < 5_000) throw new UserError(`--speed ${o.speed} makes a simulated hour ${slotMs} ms: a cycle needs at least 5 s on this chain; use --speed ${Math.floor(3600 / 5)} or less`);
  const intervalSeconds = Math.round(slotMs / 1000);
  const slots = o.hours;
  const rng = seeded(o.seed);
  const plan = planFaults(rng, { cycles: slots, faults: o.faults ?? Math.max(1, Math.floor(slots / 2)), kinds: o.kinds });
  log(`${o.hours} simulated h, a cycle every simulated hour = ${intervalSeconds} s real (speed ${o.speed}), ${plan.length} faults, seed ${o.seed}: about ${Math.round((slots * intervalSeconds) / 60)} real min`);
  const tStart = Date.now();
  // The agent's JSON log, kept after the run for a look at what it did.
  const agentLog = path.join(os.tmpdir(), `treasury-soak-agent-${process.pid}-${tStart}.log`);
  log(`the agent's log: ${agentLog}`);
  const deadlineMs = o.deadlineMs ?? 2 * slots * slotMs + 300_000;
  // What the run waits for now: named in the error when the deadline passes.
  const stage = { now: "the world to start (anvil, the treasury, the services, PostgreSQL)" };
  cancelled = undefined;
  let timer: NodeJS.Timeout | undefined;
  const overDeadline = new Promise<never>((_, rej) => {
    timer = setTimeout(() => {
      cancelled = { why: `over the deadline while waiting for ${stage.now}` };
      rej(new Error(`runSoak: over its ${Math.round(deadlineMs / 1000)} s deadline while waiting for ${stage.now}`));
    }, deadlineMs);
  });
  const fail = (e: Error) => {
    const tail = tailOf(agentLog);
    return new Error(`${e.message}\n(the soak was waiting for ${stage.now}; the agent's log: ${agentLog}${tail ? `, its last lines:\n${tail}` : ", empty"})`, { cause: e });
  };
  let w: SoakWorld | undefined;
  let agent: SoakAgent | undefined;
  try {
    return await Promise.race([overDeadline, soakBody()]);
  } catch (e) {
    throw fail(e as Error);
  } finally {
    clearTimeout(timer);
    cancelled ??= { why: "the run ended" };
    stage.now = "the agent to stop";
    await withTimeout(agent?.stop() ?? Promise.resolve(), 30_000, "stopping the agent").catch((e: Error) => log(e.message));
    stage.now = "the world to stop";
    await withTimeout(w?.stop() ?? Promise.resolve(), 90_000, "stopping the world (anvil, services, PostgreSQL)").catch((e: Error) => log(e.message));
  }

  async function soakBody(): Promise<SoakResult> {
  w = await startSoakWorld({ log, alertDedupSeconds: 6 * intervalSeconds, watchIntervalSeconds: Math.max(1, Math.round(30 / o.speed)), marketCacheSeconds: Math.max(1, Math.round(600 / o.speed)) });
  checkCancelled();
  const faults: FaultRecord[] = [];
  {
    const fromBlock = BigInt(await (await import("viem")).createPublicClient({ transport: (await import("viem")).http(w.chain.url, { timeout: 20_000 }) }).getBlockNumber()) + 1n;
    agent = soakAgent({ env: w.env, intervalSeconds, serverPort: await freePort(), log, logFile: agentLog });
    const a = agent;
    const own = owners({ rpcUrl: w.chain.url, safe: w.safe, policy: w.policy });
    const rejected = new Set<string>();
    const queue: string[] = [];
    let busy = false;
    // The owners turn down each proposal once the agent has reported it (see owners.ts); while the
    // chain is down they try again.
    let seen = 0;
    const ownersLoop = setInterval(() => {
      for (; seen < a.cycles.length; seen++) {
        const c = a.cycles[seen];
        if (!c.safeTxHash || rejected.has(c.safeTxHash) || (c.status !== "proposed" && c.status !== "already")) continue;
        rejected.add(c.safeTxHash);
        queue.push(c.safeTxHash);
      }
      if (busy || !queue.length) return;
      busy = true;
      own.reject().then(
        () => void queue.shift(),
        (e) => log(`owners could not reject ${queue[0]} yet: ${(e as Error).message.split("\n")[0]}`),
      ).finally(() => (busy = false));
    }, 200);
    const rss = setInterval(() => a.sampleRss(), Math.max(250, slotMs / 8));
    // Every second: between mark-compacts the old space fills at about 1 MB/s on this agent (garbage
    // promoted out of the nursery), so a floor read from samples 10 s apart could sit ~10 MB above
    // what a collection left, as much as the "growth" it was to tell.
    const heap = setInterval(() => void a.sampleHeap(), 1_000);
    // Watch ticks per agent process (each restart counts from 0): the highest reading of each, summed.
    const ticksByPid = new Map<number, number>();
    const tickPoll = setInterval(() => {
      const pid = a.pid();
      void a.watchTicks().then((t) => t !== undefined && pid && ticksByPid.set(pid, Math.max(t, ticksByPid.get(pid) ?? 0)));
    }, Math.max(1_000, slotMs / 4));
    a.start();
    // SOAK_HEAP_SNAPSHOTS=dir: heap snapshots after an eighth of the cycles and half of them (and at
    // the end, below), to compare what the agent's heap holds as the run goes on.
    const snapAt = HEAP_SNAPSHOT_DIR ? [Math.max(3, Math.round(slots / 8)), Math.round(slots / 2)] : [];
    let snapping: Promise<unknown> = Promise.resolve();
    const snapPoll = setInterval(() => {
      if (snapAt.length && a.cycles.length >= snapAt[0]) {
        const n = snapAt.shift()!;
        snapping = snapping.then(() => a.heapSnapshot()).then((f) => log(`heap snapshot after cycle ${n}: ${f ?? "not written"}`));
      }
    }, 500);
    // The schedule starts with the first cycle (the agent's own start, ts-node and the journal, is
    // not part of it): slot k is [t0 + k·slot, t0 + (k+1)·slot).
    stage.now = "the agent's first cycle report";
    if (!(await cyclesReach(a, 1, 180_000))) throw new Error(`the agent reported no cycle within 180 s (its log: ${agentLog})`);
    const t0 = a.cycles[0].at - a.cycles[0].totalMs;
    const end = t0 + slots * slotMs;
    const world = w!;
    for (const f of plan) {
      // On a loaded machine cycles run late: a planned fault still goes in while the agent cycles.
      stage.now = `cycle ${f.afterCycle} (before the fault ${f.kind}; ${a.cycles.length} reported)`;
      if (!(await cyclesReach(a, f.afterCycle, Math.max(3 * slotMs, end - Date.now())))) break;
      stage.now = `the fault ${f.kind} to be met by a cycle and taken out`;
      // A fault the harness could not put in or take out is reported, not hidden, and the soak goes on.
      faults.push(await withTimeout(inject(f, world, a, slotMs, log), 4 * slotMs + 120_000, `fault ${f.kind}`).catch((e: Error) => { checkCancelled(); log(`fault ${f.kind}: the harness failed: ${e.message}`); return { kind: f.kind, at: Date.now(), clearedAt: Date.now(), detail: `harness error: ${e.message}` }; }));
    }
    stage.now = `the schedule's end (${slots} slots; ${a.cycles.length} cycles reported)`;
    while (Date.now() < end) {
      checkCancelled();
      await sleep(200);
    }
    // The last slot's cycle may still be running: let it report (a slot is not missed for being last).
    stage.now = "the last slot's cycle report";
    await cyclesReach(a, slots, slotMs);
    stage.now = "the agent's watch ticks (GET /api/watch)";
    const last = await a.watchTicks();
    if (last !== undefined && a.pid()) ticksByPid.set(a.pid()!, Math.max(last, ticksByPid.get(a.pid()!) ?? 0));
    const ticks = ticksByPid.size ? [...ticksByPid.values()].reduce((x, y) => x + y, 0) : watchTicks(await a.metrics());
    clearInterval(tickPoll);
    clearInterval(rss);
    clearInterval(heap);
    clearInterval(ownersLoop);
    clearInterval(snapPoll);
    if (HEAP_SNAPSHOT_DIR) {
      stage.now = "the agent's last heap snapshot";
      await snapping;
      log(`heap snapshot at the end (${a.cycles.length} cycles): ${(await a.heapSnapshot()) ?? "not written"}`);
    }
    stage.now = "the agent to stop (SIGTERM, SIGKILL after 10 s)";
    await withTimeout(a.stop(), 30_000, "stopping the agent");
    log("collecting: chain logs, the agent key's transactions, proposals, alerts ...");
    stage.now = "the chain's logs and the agent key's transactions";
    const chain = await withTimeout(chainRecords({ rpcUrl: world.chain.url, module: world.module, policy: world.policy, agent: world.agentAddress, fromBlock }), 180_000, "reading the chain's records");
    stage.now = "the tx service's proposals";
    const proposals = await withTimeout(txServiceProposals(world.txServiceUrl, world.safe), 60_000, "reading the tx service's proposals");
    const alerts: AlertDelivery[] = world.webhook.received.map((r, i) => {
      const d = JSON.parse(r.body) as { data?: { kind?: string; key?: string | null } };
      return { at: world.webhookTimes[i], id: r.headers["webhook-id"] ?? String(i), kind: d.data?.kind ?? "?", key: d.data?.key ?? null };
    });
    const records: SoakRecords = {
      hours: o.hours, t0, slotMs, slots, cycles: a.cycles.filter((c) => c.at < end + slotMs), faults, alerts, executions: chain.executions, proposals, agentTxs: chain.agentTxs,
      // Memory after two warm-up slots (ts-node, the first cycle's caches), as a service settles.
      rssKb: a.rssSamples.filter((x) => x.at >= t0 + 2 * slotMs),
      heapUsedKb: a.heapSamples.filter((x) => x.at >= t0 + 2 * slotMs),
      alertGraceMs: 2 * slotMs, silentKinds: SILENT_KINDS,
    };
    const figures = account(records);
    return { records, ...figures, seed: o.seed, speed: o.speed, realSeconds: Math.round((Date.now() - tStart) / 100) / 10, slotSeconds: intervalSeconds, watchTicks: ticks ?? null, agentStarts: a.starts, agentCrashes: a.crashes.length, faultLog: faults };
  }
  }
}

/** Put one fault in after a cycle, and take it out once the next cycle has met it (at most 3 slots). */
async function inject(f: PlannedFault, w: SoakWorld, a: SoakAgent, slotMs: number, log: (s: string) => void): Promise<FaultRecord> {
  const at = Date.now();
  const untilNextCycle = () => cycleStartedAfter(a, at, 3 * slotMs);
  const p = w.proxies;
  let detail = "";
  switch (f.kind) {
    case "rpc-refuse":
    case "rpc-hang":
      p.rpc.set({ kind: f.kind === "rpc-refuse" ? "refuse" : "hang" });
      await untilNextCycle();
      p.rpc.set({ kind: "ok" });
      break;
    case "chain-restart": {
      // Down until the next cycle has met the refused connection, then back with its state.
      const r = await w.chain.restart(untilNextCycle);
      detail = `blocks ${r.blockBefore} → ${r.blockAfter}`;
      break;
    }
    case "market-5xx":
    case "market-429":
    case "market-malformed":
      p.market.set(f.kind === "market-malformed" ? { kind: "malformed" } : f.kind === "market-429" ? { kind: "status", status: 429, headers: { "retry-after": "1" }, body: '{"status":{"error_code":429,"error_message":"You\'ve exceeded the Rate Limit."}}' } : { kind: "status", status: 503, body: '{"error":"Service Unavailable"}' });
      await untilNextCycle();
      p.market.set({ kind: "ok" });
      break;
    case "messages-529":
      p.messages.set({ kind: "status", status: 529, body: JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" }, request_id: "req_soak529" }) });
      await untilNextCycle();
      p.messages.set({ kind: "ok" });
      break;
    case "txservice-5xx":
      p.txService.set({ kind: "status", status: 502, body: "<html><body><h1>502 Bad Gateway</h1></body></html>", headers: { "content-type": "text/html" } });
      await untilNextCycle();
      p.txService.set({ kind: "ok" });
      break;
    case "alerts-down":
      p.webhook.set({ kind: "refuse" });
      p.telegram.set({ kind: "status", status: 502, body: "Bad Gateway" });
      await untilNextCycle();
      p.webhook.set({ kind: "ok" });
      p.telegram.set({ kind: "ok" });
      break;
    case "agent-kill": {
      // At a random point of the next interval: often mid-cycle (between signing and recording too).
      const pause = Math.floor(f.at * slotMs);
      await sleep(pause);
      await a.kill();
      await sleep(1_000);
      a.start();
      detail = `SIGKILL ${pause} ms after the cycle report`;
      break;
    }
    case "db-restart": {
      // Down until the next cycle has met it, as a database failover that takes a while.
      await w.pg.restart(untilNextCycle);
      detail = "pg_ctl stop -m immediate, start";
      break;
    }
  }
  const rec = { kind: f.kind, at, clearedAt: Date.now(), detail: detail || undefined };
  log(`fault ${f.kind} after cycle ${f.afterCycle}: ${Math.round((rec.clearedAt - at) / 100) / 10} s${detail ? ` (${detail})` : ""}`);
  return rec;
}

const OPTIONS = {
  hours: { type: "string", default: "24" },
  speed: { type: "string", default: "180" },
  seed: { type: "string", default: "1" },
  faults: { type: "string" },
  kinds: { type: "string" },
  out: { type: "string", default: "bench/soak.json" },
  help: { type: "boolean", short: "h", default: false },
} as const;

const USAGE = `Usage: npm run soak -- [--hours 24] [--speed 180] [--seed 1] [--faults N] [--kinds a,b] [--out bench/soak.json]
  --hours H     simulated hours (a cycle each); --hours 1 is a quick smoke
  --speed S     simulated seconds per real second (default 180: a simulated hour is 20 s, 24 h about 8 min)
  --seed N      the fault plan's seed (the same seed injects the same faults after the same cycles)
  --faults N    faults to inject (default: one per two simulated hours)
  --kinds a,b   only these kinds (${FAULT_KINDS.join(", ")})
  --out FILE    where the figures go (default bench/soak.json)`;

async function main() {
  const { values: v } = parseArgs({ args: process.argv.slice(2), options: OPTIONS, strict: true });
  if (v.help) return console.log(USAGE);
  const int = (name: string, s: string, min: number) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < min) throw new UserError(`--${name} must be a whole number ≥ ${min}, got "${s}"`);
    return n;
  };
  const kinds = v.kinds?.split(",").map((k) => k.trim());
  for (const k of kinds ?? []) if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new UserError(`--kinds: unknown fault "${k}"; choose from ${FAULT_KINDS.join(", ")}`);
  const r = await runSoak({ hours: int("hours", v.hours!, 1), speed: int("speed", v.speed!, 1), seed: int("seed", v.seed!, 0), faults: v.faults === undefined ? undefined : int("faults", v.faults, 0), kinds: kinds as FaultKind[] | undefined });
  const out = path.resolve(v.out!);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const { records, ...figures } = r;
  fs.writeFileSync(out, JSON.stringify(figures, null, 2) + "\n");
  // What was counted (every alert received, cycle, fault and sample), kept beside the agent's log
  // for a look at what a figure is made of; not part of the benchmark's JSON.
  const recordsFile = path.join(os.tmpdir(), `treasury-soak-records-${process.pid}-${Date.now()}.json`);
  fs.writeFileSync(recordsFile, JSON.stringify(records, null, 1) + "\n");
  console.log(`[soak] what was counted: ${recordsFile}`);
  console.log(JSON.stringify({ hours: r.hours, cycles: r.cycles, faults: r.faults, alertsSent: r.alertsSent, alertLatencyMs: r.alertLatencyMs, missedCycles: r.missedCycles, duplicates: r.duplicates, unsafeActions: r.unsafeActions, rssGrowthPct: r.rssGrowthPct }, null, 2));
  console.log(`[soak] ${r.hours} simulated h in ${r.realSeconds} s real; wrote ${path.relative(process.cwd(), out)}${r.extra.unalerted.length ? `; not alerted: ${r.extra.unalerted.join(", ")}` : ""}`);
  const bad = r.duplicates.executions + r.duplicates.proposals + r.duplicates.alerts + r.unsafeActions;
  process.exitCode = bad ? 1 : 0;
}

if (require.main === module)
  main().catch((e) => {
    console.error(e instanceof UserError ? `npm run soak: ${e.message}` : e instanceof Error ? e.stack : e);
    process.exit(e instanceof UserError ? 2 : 1);
  });
