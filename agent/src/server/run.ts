// The server as `treasury run` starts it: from the runtime's config, journal, chain and
// transaction service. Absent when server.enabled is false.
import type { Hex } from "viem";
import type { Runtime } from "../cycle/runtime";
import { readStatus } from "../cycle/status";
import { pendingTransactions } from "../safe";
import { startAgentServer, type AgentServer } from "./server";
import { usdNumber } from "../usd";
import { registerSecret } from "../log";
import { listAssessments } from "../ai/store";


export async function startRunServer(rt: Runtime, o: { intervalSeconds: number; say?: (line: string) => void; now?: () => number; replay?: () => Promise<unknown> }): Promise<AgentServer | undefined> {
  const c = rt.cfg.server;
  if (!c.enabled) return undefined;
  const safeCfg = rt.ctx.safeCfg;
  // A bearer token is a secret like a key: the logger scrubs it from any line.
  if (c.token) registerSecret(c.token);
  const server = await startAgentServer({
    host: c.host,
    port: c.port,
    rules: { intervalSeconds: o.intervalSeconds, slackSeconds: c.healthSlackSeconds, maxFailedCycles: c.maxFailedCycles },
    log: rt.log,
    now: o.now,
    status: () => readStatus(rt),
    decisions: (limit) => rt.journal.recent(limit, `${rt.addresses.chainId}:${rt.addresses.safe}:`),
    nav: async (limit) =>
      (await rt.journal.navHistory(`${rt.addresses.chainId}:${rt.addresses.safe}:`, limit)).map((p) => ({ at: p.at.toISOString(), date: p.date, hash: p.hash, status: p.status, navUsd: p.navUsd === null ? null : usdNumber(BigInt(p.navUsd)) })),
    pingJournal: async () => void (await rt.journal.recent(1)),
    access: { token: c.token, rateLimit: c.rateLimit },
    replay: o.replay,
    series: (limit) => rt.journal.seriesRows(`${rt.addresses.chainId}:${rt.addresses.safe}:`, limit),
    seriesStamp: () => rt.journal.seriesStamp(`${rt.addresses.chainId}:${rt.addresses.safe}:`),
    // Another Safe's record on a shared journal is not this agent's to show.
    decision: async (hash) => {
      const r = await rt.journal.get(hash as Hex);
      return r && r.cycleKey.startsWith(`${rt.addresses.chainId}:${rt.addresses.safe}:`) ? r : undefined;
    },
    indexerUrl: c.indexerUrl,
    indexerSafe: rt.addresses.safe,
    assessments: (limit) => listAssessments(rt.journal, { scope: `${rt.addresses.chainId}:${rt.addresses.safe}`, limit }),
    pendingProposals: safeCfg && (async () => (await pendingTransactions(safeCfg)).results.length),
  });
  o.say?.(`server ${server.url}  (GET / dashboard, /health, /metrics, /api/status, /api/decisions, /api/nav, /api/series)\n`);
  return server;
}
