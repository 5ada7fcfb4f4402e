// The agent's HTTP server: the loop's state, its metrics, the routes, listening and stopping. The
// loop feeds it through `watch` (each portfolio read) and `cycleDone` (each report); neither ever
// throws, so the server can never fail or stop a cycle.
import { createAdaptorServer } from "@hono/node-server";
import type { Server } from "node:http";
import type { Logger } from "pino";
import { UserError } from "../errors";
import { listenLocal } from "../localServer";
import type { CycleReport, CycleSteps, PortfolioLike } from "../cycle/types";
import { buildApp, type AppDeps } from "./app";
import type { HealthRules } from "./health";
import { AgentMetrics } from "./metrics";
import { LoopState } from "./state";
import { withTimeout } from "./timeout";
import type { WatchState } from "../watch/loop";
import type { LatencyBook } from "../watch/latency";

const PENDING_TIMEOUT_MS = 5_000;

export interface AgentServerOptions extends Pick<AppDeps, "status" | "decisions" | "nav" | "pingJournal" | "access" | "replay" | "series" | "seriesStamp" | "decision" | "indexerUrl" | "indexerSafe" | "strategy" | "assessments"> {
  host: string;
  /** 0: a free port chosen by the OS. */
  port: number;
  rules: HealthRules;
  log: Logger;
  /** Milliseconds since the epoch; tests move time instead of sleeping. */
  now?: () => number;
  /** How many Safe transactions wait for the owners; asked after each cycle. Absent: not reported. */
  pendingProposals?(): Promise<number>;
}

export interface AgentServer {
  /** http://host:port */
  url: string;
  port: number;
  state: LoopState;
  metrics: AgentMetrics;
  /** The same steps, with each portfolio read also given to the server. */
  watch<P extends PortfolioLike>(steps: CycleSteps<P>): CycleSteps<P>;
  cycleDone(r: CycleReport): void;
  /** Shows the watch loop's state on /api/watch and its alert latency in /metrics. */
  attachWatch(w: { state(): WatchState; latency: LatencyBook }): void;
  /** The loop was asked to stop: /health answers 503 from now on. */
  stopping(): void;
  /** Stops listening (open connections are closed) and waits for a pending-proposals query in flight. */
  stop(): Promise<void>;
}

export async function startAgentServer(o: AgentServerOptions): Promise<AgentServer> {
  const now = o.now ?? Date.now;
  const state = new LoopState(now());
  const metrics = new AgentMetrics(state);
  const app = buildApp({ state, metrics, rules: o.rules, now, log: o.log, status: o.status, decisions: o.decisions, nav: o.nav, pingJournal: o.pingJournal, replay: o.replay, series: o.series, seriesStamp: o.seriesStamp, decision: o.decision, indexerUrl: o.indexerUrl, indexerSafe: o.indexerSafe, strategy: o.strategy, assessments: o.assessments, access: o.access ?? { rateLimit: { windowSeconds: 60, max: 300 } } });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  let listening;
  try {
    listening = await listenLocal(server, { host: o.host, port: o.port });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UserError(
      `agent server: cannot listen on ${o.host}:${o.port} (${err.code ?? "error"}: ${err.message}); set AGENT_SERVER_PORT to a free port (0: one chosen by the OS) or AGENT_SERVER_HOST to an interface of this machine, or AGENT_SERVER_ENABLED=false`,
    );
  }
  o.log.info({ url: listening.origin }, "agent server listening");

  const safely = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      o.log.warn({ err: (e as Error).message }, `server: ${what} failed (the cycle is not affected)`);
    }
  };
  let inFlight: Promise<void> | undefined;
  const refreshPending = () => {
    // Once stopping, no new poll: a cycle that ends during shutdown would otherwise ask a transaction
    // service that is already stopped and log a warning for nothing.
    if (!o.pendingProposals || inFlight || state.stopping) return;
    inFlight = withTimeout(o.pendingProposals(), PENDING_TIMEOUT_MS, "the transaction service")
      .then((n) => state.pending(n, now()))
      .catch((e) => o.log.warn({ err: (e as Error).message.split("\n")[0] }, "server: pending proposals unknown"))
      .finally(() => (inFlight = undefined));
  };

  return {
    url: listening.origin,
    port: listening.port,
    state,
    metrics,
    watch(steps) {
      return {
        ...steps,
        read: async () => {
          const p = await steps.read();
          safely("recording the portfolio read", () => state.portfolioRead(p, now()));
          return p;
        },
      };
    },
    cycleDone(r) {
      safely("recording the cycle", () => {
        state.cycleFinished(r, now());
        metrics.observeCycle(r);
      });
      refreshPending();
    },
    attachWatch(w) {
      state.watch = () => w.state();
      w.latency.onRecord((kind, ms) => safely("recording a watch latency", () => metrics.observeWatchLatency(kind, ms)));
    },
    stopping: () => state.stop(now()),
    async stop() {
      state.stop(now());
      await listening.close();
      await inFlight;
    },
  };
}
