// The server as `treasury run` starts it: from the runtime's config, journal, chain and
// transaction service. Absent when server.enabled is false.
import { getAddress } from "viem";
import type { Runtime } from "../cycle/runtime";
import { readStatus } from "../cycle/status";
import { apiKitFor } from "../safe";
import { startAgentServer, type AgentServer } from "./server";

export async function startRunServer(rt: Runtime, o: { intervalSeconds: number; say?: (line: string) => void; now?: () => number }): Promise<AgentServer | undefined> {
  const c = rt.cfg.server;
  if (!c.enabled) return undefined;
  const safeCfg = rt.ctx.safeCfg;
  const server = await startAgentServer({
    host: c.host,
    port: c.port,
    rules: { intervalSeconds: o.intervalSeconds, slackSeconds: c.healthSlackSeconds, maxFailedCycles: c.maxFailedCycles },
    log: rt.log,
    now: o.now,
    status: () => readStatus(rt),
    decisions: (limit) => rt.journal.recent(limit),
    pingJournal: async () => void (await rt.journal.recent(1)),
    pendingProposals: safeCfg && (async () => (await apiKitFor(safeCfg).getPendingTransactions(getAddress(rt.addresses.safe))).results.length),
  });
  o.say?.(`server ${server.url}  (GET /health, /metrics, /api/status, /api/decisions)\n`);
  return server;
}
