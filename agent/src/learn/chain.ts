// The chain's outcomes for `treasury insights`: the agent's executed decisions from the journal,
// judged by the indexer (GET /decisions). Both come from the agent config (journal: DATABASE_URL /
// AGENT_DATA_DIR; indexer: INDEXER_URL).
import { inArray } from "drizzle-orm";
import { UserError } from "../errors";
import { loadAgentConfig } from "../config";
import { Journal } from "../journal";
import { decisions } from "../journal/schema";
import type { Outcome } from "../../../lib/analytics/insights";
import { fetchJudged, joinOutcomes, type JournalDecision } from "./journal";

/** Decisions that reached the chain (executed on the module path or the owners'). */
export async function decisionsFromJournal(j: Journal): Promise<JournalDecision[]> {
  const rows = await j.db.select({ hash: decisions.hash, date: decisions.date, body: decisions.body }).from(decisions).where(inArray(decisions.status, ["executed"]));
  return rows as JournalDecision[];
}

export async function outcomesFromChain(configFile?: string, env: NodeJS.ProcessEnv = process.env): Promise<Outcome[]> {
  const cfg = loadAgentConfig({ env, file: configFile });
  const url = cfg.server.indexerUrl;
  if (!url) throw new UserError("the chain's decisions are judged by the indexer: set INDEXER_URL (e.g. http://127.0.0.1:42069), or pass --backtest to judge a backtest");
  const judged = await fetchJudged(url);
  const j = await Journal.open({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir });
  try {
    return joinOutcomes(await decisionsFromJournal(j), judged);
  } finally {
    await j.close();
  }
}
