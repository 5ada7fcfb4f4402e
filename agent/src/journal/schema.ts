// The journal's tables (drizzle, Postgres dialect: PGlite embedded or a Postgres server).
import { boolean, integer, jsonb, pgTable, text, timestamp, index } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { LIVE } from "./record";

export const decisions = pgTable(
  "decisions",
  {
    hash: text("hash").primaryKey(),
    cycleKey: text("cycle_key").notNull(),
    date: text("date").notNull(),
    status: text("status").notNull(),
    path: text("path").notNull(),
    safeNonce: integer("safe_nonce").notNull(),
    agentNonce: integer("agent_nonce"),
    txHash: text("tx_hash"),
    rawTx: text("raw_tx"),
    safeTxHash: text("safe_tx_hash"),
    proposalUrl: text("proposal_url"),
    body: jsonb("body").notNull(),
    outcome: jsonb("outcome"),
    reason: text("reason"),
    /** An execution past the confirmations it needs (a reorg can no longer remove it). */
    final: boolean("final").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("decisions_cycle_key").on(t.cycleKey), index("decisions_status").on(t.status)],
);

/** Every step of every cycle, including those that decided nothing (the reason is kept). */
export const events = pgTable("events", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  cycleKey: text("cycle_key").notNull(),
  hash: text("hash"),
  kind: text("kind").notNull(),
  detail: jsonb("detail"),
});

/** Alerts sent, by dedup key: the same key is not sent again within the window (across restarts)
 * until it is resolved (a later cycle succeeded). `suppressed` counts the repeats held back. */
export const alertsSent = pgTable("alerts_sent", {
  key: text("key").primaryKey(),
  kind: text("kind").notNull(),
  sentAt: timestamp("sent_at", { withTimezone: true }).notNull(),
  resolvedAt: timestamp("resolved_at", { withTimezone: true }),
  suppressed: integer("suppressed").notNull().default(0),
  title: text("title").notNull(),
});

/** The assessments and reports of issue 19 (agent/src/ai): daily (with its decision), weekly,
 * emergency, monthly. One row per `key` (a rerun of the same day or week records nothing new);
 * who answered (llm or rules, and why) and the API's token counts are columns for the totals. */
export const assessments = pgTable(
  "assessments",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    key: text("key").notNull().unique(),
    kind: text("kind").notNull(),
    /** chainId:safe: which treasury it is about. */
    scope: text("scope").notNull(),
    date: text("date").notNull(),
    decisionHash: text("decision_hash"),
    answeredBy: text("answered_by").notNull(),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    body: jsonb("body").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("assessments_scope_kind").on(t.scope, t.kind)],
);

/** Idempotent DDL (the schema is small; no migration tool needed at run time). */
export const DDL = [
  sql`CREATE TABLE IF NOT EXISTS decisions (
    hash text PRIMARY KEY, cycle_key text NOT NULL, date text NOT NULL, status text NOT NULL, path text NOT NULL,
    safe_nonce integer NOT NULL, agent_nonce integer, tx_hash text, raw_tx text, safe_tx_hash text, proposal_url text,
    body jsonb NOT NULL, outcome jsonb, reason text,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`,
  sql`ALTER TABLE decisions ADD COLUMN IF NOT EXISTS final boolean NOT NULL DEFAULT false`,
  sql`CREATE INDEX IF NOT EXISTS decisions_cycle_key ON decisions (cycle_key)`,
  // The idempotency point: one live decision per (chain, Safe, day), whichever process inserts it.
  // A process acts only on the decision its own insert created (Journal.insert says which).
  sql.raw(`CREATE UNIQUE INDEX IF NOT EXISTS decisions_one_live_per_day ON decisions (cycle_key) WHERE status IN (${LIVE.map((x) => `'${x}'`).join(", ")})`),
  sql`CREATE INDEX IF NOT EXISTS decisions_status ON decisions (status)`,
  sql`CREATE TABLE IF NOT EXISTS events (
    id integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY, at timestamptz NOT NULL DEFAULT now(),
    cycle_key text NOT NULL, hash text, kind text NOT NULL, detail jsonb)`,
  sql`CREATE TABLE IF NOT EXISTS alerts_sent (
    key text PRIMARY KEY, kind text NOT NULL, sent_at timestamptz NOT NULL, resolved_at timestamptz,
    suppressed integer NOT NULL DEFAULT 0, title text NOT NULL)`,
  // Issue 19 (added): a journal from before it gains the table on its next open.
  sql`CREATE TABLE IF NOT EXISTS assessments (
    id integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY, key text NOT NULL UNIQUE, kind text NOT NULL,
    scope text NOT NULL, date text NOT NULL, decision_hash text, answered_by text NOT NULL,
    input_tokens integer NOT NULL DEFAULT 0, output_tokens integer NOT NULL DEFAULT 0,
    body jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
  sql`CREATE INDEX IF NOT EXISTS assessments_scope_kind ON assessments (scope, kind)`,
];
