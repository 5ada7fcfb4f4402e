// The watch loop: every intervalSeconds (never two ticks at once) it follows the chain's logs to the
// head and runs the polled detectors over one snapshot. Each detector runs on its own: one that throws
// is reported (once per error) and the others go on; a chain that does not answer is one alert until
// it answers again. Emergencies go through the emergency hook, the rest straight to the alerts; a
// critical emergency may wake the cycle loop.
import type { Logger } from "pino";
import type { WatchEvent, WatchEventKind } from "./events";
import type { Deliver } from "./alert";
import { alertEmergencies, isEmergency, type EmergencyHook } from "./emergency";
import { LatencyBook, type LatencySummary } from "./latency";
import { watchEvent } from "./make";
import type { ChainFollower } from "./chain/follower";
import type { SnapshotReader } from "./reads";
import type { Snapshot } from "./snapshot";
import { detectCrash, emptyCrash, markCycle } from "./market/crash";
import { detectFeeds, emptyFeeds } from "./market/feeds";
import { detectMvrv, type MvrvState } from "./market/mvrv";
import { detectAave, emptyAave } from "./protocols/aave";
import { detectVaults, emptyVaults } from "./protocols/vaults";
import { detectPendle } from "./protocols/pendle";
import { detectStaleProposals, type PendingProposal } from "./protocols/proposals";
import { TX_SERVICE_DETECTOR, isRpcFailure, type Outage } from "./outages";
import { firstLine } from "../errors";

export interface WatcherOptions {
  intervalSeconds: number;
  log: Logger;
  deliver: Deliver;
  follower?: ChainFollower;
  reader?: SnapshotReader;
  /** Safe proposals waiting for the owners (transaction service); absent: not watched. */
  pending?: () => Promise<PendingProposal[]>;
  proposalMaxAgeHours?: number;
  /** BTC MVRV now (a live market source); absent: not watched. */
  mvrv?: () => Promise<number | undefined>;
  /** Default: alertEmergencies(deliver). */
  onEmergency?: EmergencyHook;
  /** Called once per tick that saw a critical emergency (the cycle loop's wake-up). */
  wake?: (events: WatchEvent[]) => void;
  /** Ranges read per tick at most while catching up (the rest next tick). */
  maxRangesPerTick?: number;
  now?: () => number;
}

export interface DeliveredEvent {
  kind: WatchEventKind;
  key: string;
  title: string;
  at: string;
  deliveredAt: string | null;
  /** deliveredAt − at (ms); null when held back (already sent) or no channel took it. */
  latencyMs: number | null;
  suppressed: boolean;
}

export interface WatchState {
  enabled: true;
  intervalSeconds: number;
  ticks: number;
  running: boolean;
  lastTickAt: string | null;
  lastTickMs: number | null;
  /** The last block whose logs were handled. */
  lastBlock: string | null;
  rpcDown: boolean;
  /** The BTC MVRV last polled and when (null: not watched, or no recent value). */
  mvrv: { value: number; at: string } | null;
  failing: Record<string, string>;
  events: Record<string, number>;
  recent: DeliveredEvent[];
  latency: Record<string, LatencySummary>;
}

const RECENT = 50;

export class Watcher {
  readonly latency = new LatencyBook();
  private readonly now: () => number;
  private readonly onEmergency: EmergencyHook;
  private crash = emptyCrash();
  private feeds = emptyFeeds();
  private aave = emptyAave();
  private vaults = emptyVaults();
  private pendle = { told: {} as Record<string, true> };
  private proposals = { told: {} as Record<string, true> };
  private mvrvState: MvrvState = {};
  /** Detectors whose failure a cycle has already told (noteOutage): recorded, not alerted. */
  private readonly told = new Set<string>();
  private last?: Snapshot;
  private timer?: NodeJS.Timeout;
  private current?: Promise<void>;
  private stopped = false;
  private st: Omit<WatchState, "latency" | "enabled" | "intervalSeconds"> = { ticks: 0, running: false, lastTickAt: null, lastTickMs: null, lastBlock: null, rpcDown: false, mvrv: null, failing: {}, events: {}, recent: [] };

  constructor(private readonly o: WatcherOptions) {
    this.now = o.now ?? Date.now;
    this.onEmergency = o.onEmergency ?? alertEmergencies(o.deliver);
  }

  state(): WatchState {
    return { enabled: true, intervalSeconds: this.o.intervalSeconds, ...this.st, recent: [...this.st.recent], latency: this.latency.summary() };
  }

  /** Whether this loop has already told the outage (a cycle stopped by it then says nothing more). */
  hasTold(o: Outage): boolean {
    return o === "rpc" ? this.st.rpcDown : this.st.failing[TX_SERVICE_DETECTOR] !== undefined;
  }

  /**
   * A cycle was stopped by the outage and told it: this loop does not tell it again (one outage,
   * one alert) until the service answers again.
   */
  noteOutage(o: Outage): void {
    if (o === "rpc") this.st.rpcDown = true;
    else this.told.add(TX_SERVICE_DETECTOR);
  }

  /** A cycle finished: its prices are the reference of the since-the-last-cycle crash rule. */
  cycleDone(): void {
    if (this.last) this.crash = markCycle(this.crash, this.last);
  }

  /** One pass of every detector. Never throws. */
  async tick(): Promise<WatchEvent[]> {
    const started = this.now();
    this.st.running = true;
    const all: WatchEvent[] = [];
    /** Chain events: already delivered range by range. */
    const chain: WatchEvent[] = [];
    const problems: WatchEvent[] = [];
    let rpcFailed: unknown;
    const run = async (name: string, fn: () => Promise<WatchEvent[]>) => {
      try {
        const evs = await fn();
        all.push(...evs);
        if (this.st.failing[name]) {
          this.o.log.info({ detector: name }, "watch: detector works again");
          delete this.st.failing[name];
        }
        this.told.delete(name);
      } catch (e) {
        if (isRpcFailure(e)) {
          rpcFailed ??= e;
          return;
        }
        const msg = firstLine(e);
        // While the chain does not answer, a detector reading a service built on it (the tx service
        // reads the chain) fails with it: one outage, one alert (watch.rpcDown or the cycle's). Not
        // recorded as failing either, so a failure that outlasts the outage is reported then.
        if (rpcFailed !== undefined || this.st.rpcDown) {
          this.o.log.warn({ detector: name, err: msg }, "watch: detector failed while the RPC is down (not alerted separately)");
          return;
        }
        if (this.told.has(name)) {
          if (this.st.failing[name] !== msg) this.o.log.warn({ detector: name, err: msg }, "watch: detector failed (a cycle already told this outage: not alerted again)");
          this.st.failing[name] = msg;
          return;
        }
        // Logged once per error, as it is alerted (every tick of an outage would flood the log).
        if (this.st.failing[name] !== msg) {
          this.o.log.error({ detector: name, err: msg }, "watch: detector failed (the others go on)");
          this.st.failing[name] = msg;
          problems.push(watchEvent({ kind: "watch.detectorFailed", severity: "warning", at: this.now(), key: `${name}:${msg.slice(0, 120)}`, title: `Watcher ${name} failed: ${msg.slice(0, 160)}`, lines: [`The ${name} detector threw: ${msg}. The other detectors go on; this one is retried every ${this.o.intervalSeconds} s.`], data: { detector: name, error: msg } }));
        }
      }
    };

    const f = this.o.follower;
    if (f) {
      await run("chain", async () => {
        // Each range is delivered before the cursor moves past it: a crash re-reads it (the alert log holds back repeats).
        for (let i = 0; i < (this.o.maxRangesPerTick ?? 50); i++) {
          const r = await f.next();
          if (!r) break;
          await this.dispatch(r.events);
          f.commit(r);
          this.st.lastBlock = r.to.toString();
          chain.push(...r.events);
        }
        return [];
      });
    }
    // Off the chain (a market source): polled before the chain reads, which may wait on a slow node.
    if (this.o.mvrv) {
      const mvrv = this.o.mvrv;
      await run("mvrv", async () => {
        const v = await mvrv();
        this.st.mvrv = v === undefined ? null : { value: v, at: new Date(this.now()).toISOString() };
        if (v === undefined) return [];
        const r = detectMvrv(this.mvrvState, v, this.now());
        this.mvrvState = r.state;
        return r.events;
      });
    }
    const reader = this.o.reader;
    let snap: Snapshot | undefined;
    if (reader) await run("snapshot", async () => ((snap = await reader.read()), []));
    if (snap) {
      const s = snap;
      await run("crash", async () => ((r) => ((this.crash = r.state), r.events))(detectCrash(this.crash, s)));
      await run("feeds", async () => ((r) => ((this.feeds = r.state), r.events))(detectFeeds(this.feeds, s)));
      await run("aave", async () => ((r) => ((this.aave = r.state), r.events))(detectAave(this.aave, s)));
      await run("vaults", async () => ((r) => ((this.vaults = r.state), r.events))(detectVaults(this.vaults, s)));
      await run("pendle", async () => ((r) => ((this.pendle = r.state), r.events))(detectPendle(this.pendle, s)));
      this.last = s;
    }
    if (this.o.pending) {
      const pending = this.o.pending;
      await run("proposals", async () => {
        const r = detectStaleProposals(this.proposals, await pending(), this.now(), this.o.proposalMaxAgeHours ?? 48);
        this.proposals = r.state;
        return r.events;
      });
    }

    if (rpcFailed !== undefined) {
      this.o.log.error({ err: firstLine(rpcFailed) }, "watch: the chain does not answer");
      if (!this.st.rpcDown) problems.push(watchEvent({ kind: "watch.rpcDown", severity: "critical", at: started, key: `${started}`, title: "Watch blind: the chain's RPC does not answer", lines: [`${firstLine(rpcFailed)}. Nothing on chain is watched until it answers again; this alert is sent once.`], data: { error: firstLine(rpcFailed) } }));
      this.st.rpcDown = true;
    } else if (this.st.rpcDown) {
      this.st.rpcDown = false;
      this.o.log.info("watch: the chain answers again");
    }
    await this.dispatch([...all, ...problems]);
    this.st.ticks++;
    this.st.running = false;
    this.st.lastTickAt = new Date(started).toISOString();
    this.st.lastTickMs = this.now() - started;
    return [...chain, ...all, ...problems];
  }

  private async dispatch(events: WatchEvent[]): Promise<void> {
    if (!events.length) return;
    const emergencies = events.filter(isEmergency);
    const others = events.filter((e) => !isEmergency(e));
    const [em, ot] = await Promise.all([
      emergencies.length ? this.onEmergency(emergencies).catch((e) => (this.o.log.error({ err: firstLine(e) }, "watch: the emergency hook failed"), [])) : [],
      Promise.all(others.map((e) => this.o.deliver(e))),
    ]);
    const pairs = [...emergencies.map((e, i) => [e, em[i]] as const), ...others.map((e, i) => [e, ot[i]] as const)];
    for (const [e, d] of pairs) {
      this.st.events[e.kind] = (this.st.events[e.kind] ?? 0) + 1;
      const latencyMs = d?.deliveredAt !== undefined ? d.deliveredAt - e.at : null;
      if (latencyMs !== null) this.latency.record(e.kind, latencyMs);
      this.st.recent.push({ kind: e.kind, key: e.key, title: e.title, at: new Date(e.at).toISOString(), deliveredAt: d?.deliveredAt !== undefined ? new Date(d.deliveredAt).toISOString() : null, latencyMs, suppressed: !!d?.result.suppressed });
      if (this.st.recent.length > RECENT) this.st.recent.shift();
      this.o.log.info({ kind: e.kind, key: e.key, latencyMs, suppressed: !!d?.result.suppressed }, "watch: event");
    }
    const critical = emergencies.filter((e) => e.severity === "critical");
    if (critical.length && this.o.wake) {
      try {
        this.o.wake(critical);
      } catch (e) {
        this.o.log.error({ err: firstLine(e) }, "watch: waking the cycle loop failed");
      }
    }
  }

  /** Ticks every intervalSeconds from now on (the first at once), one at a time, until stop(). */
  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      const started = this.now();
      this.current = this.tick().then(() => undefined);
      void this.current.finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(loop, Math.max(0, started + this.o.intervalSeconds * 1000 - this.now()));
      });
    };
    loop();
  }

  /** Stops ticking and waits for a tick in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current;
    // An assessment still running on the last emergencies finishes (its pause or exit is not cut off).
    await (this.onEmergency as { drain?: () => Promise<void> }).drain?.();
  }
}
