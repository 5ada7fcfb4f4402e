// The assessments in the journal (table assessments): one row per key, newest first, and the
// totals a replay's summary and the dashboard show.
import { and, desc, eq, like, sql } from "drizzle-orm";
import type { Journal } from "../journal";
import { jsonSafe } from "../journal";
import { assessments } from "../journal/schema";
import type { Assessed } from "./assess";

export const ASSESSMENT_KINDS = ["daily", "weekly", "emergency", "monthly"] as const;
export type AssessmentKind = (typeof ASSESSMENT_KINDS)[number];

export interface AssessmentRow {
  key: string;
  kind: AssessmentKind;
  scope: string;
  date: string;
  decisionHash: string | null;
  answeredBy: string;
  inputTokens: number;
  outputTokens: number;
  body: Record<string, unknown>;
  at: Date;
}

/** Records it unless the key is already there (a rerun of the same day records nothing new); true when written. */
export async function recordAssessment(journal: Journal, r: { key: string; kind: AssessmentKind; scope: string; date: string; decisionHash?: string | null; assessed: Pick<Assessed<unknown>, "answeredBy" | "usage">; body: Record<string, unknown> }): Promise<boolean> {
  const out = await journal.db
    .insert(assessments)
    .values({ key: r.key, kind: r.kind, scope: r.scope, date: r.date, decisionHash: r.decisionHash ?? null, answeredBy: r.assessed.answeredBy, inputTokens: r.assessed.usage?.inputTokens ?? 0, outputTokens: r.assessed.usage?.outputTokens ?? 0, body: jsonSafe(r.body) as Record<string, unknown> })
    .onConflictDoNothing()
    .returning({ id: assessments.id });
  return out.length === 1;
}

export async function listAssessments(journal: Journal, o: { scope: string; kind?: AssessmentKind; limit?: number }): Promise<AssessmentRow[]> {
  const where = o.kind ? and(eq(assessments.scope, o.scope), eq(assessments.kind, o.kind)) : eq(assessments.scope, o.scope);
  const rows = await journal.db.select().from(assessments).where(where).orderBy(desc(assessments.id)).limit(o.limit ?? 50);
  return rows.map((r) => ({ ...r, kind: r.kind as AssessmentKind, body: r.body as Record<string, unknown> }));
}

export interface AiTotals {
  daily: number;
  weekly: number;
  emergencies: number;
  monthly: number;
  llmInputTokens: number;
  llmOutputTokens: number;
}

/** Counts per kind and the tokens summed from the API's usage fields, for scopes starting with `prefix`. */
export async function aiTotals(journal: Journal, prefix = ""): Promise<AiTotals> {
  const rows = await journal.db
    .select({ kind: assessments.kind, n: sql<string>`count(*)`, i: sql<string>`coalesce(sum(${assessments.inputTokens}), 0)`, o: sql<string>`coalesce(sum(${assessments.outputTokens}), 0)` })
    .from(assessments)
    .where(like(assessments.scope, `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`))
    .groupBy(assessments.kind);
  const t: AiTotals = { daily: 0, weekly: 0, emergencies: 0, monthly: 0, llmInputTokens: 0, llmOutputTokens: 0 };
  for (const r of rows) {
    const n = Number(r.n);
    if (r.kind === "daily") t.daily = n;
    else if (r.kind === "weekly") t.weekly = n;
    else if (r.kind === "emergency") t.emergencies = n;
    else if (r.kind === "monthly") t.monthly = n;
    t.llmInputTokens += Number(r.i);
    t.llmOutputTokens += Number(r.o);
  }
  return t;
}

/** What the assessments' records keep of an Assessed (the answer, the rules', who answered and why). */
export function assessedRecord<T>(a: Assessed<T>): Record<string, unknown> {
  return { answer: a.value, answeredBy: a.answeredBy, why: a.why, rules: a.rules, llm: a.llm, usage: a.usage ?? null, ms: Math.round(a.ms) };
}
