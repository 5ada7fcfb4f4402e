// The assessments in the journal (table assessments): one row per key, newest first, and the
// totals a replay's summary and the dashboard show.
import { and, desc, eq, like, sql } from "drizzle-orm";
import type { Journal } from "../journal";
import { escapeLike, jsonSafe } from "../journal";
import { assessments, decisions } from "../journal/schema";
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

/**
 * Counts per kind and the tokens summed from the API's usage fields, for scopes starting with
 * `prefix`: the assessments' rows and the approval reviews (each decision's verdict.llm.usage, kept
 * also when the review's answer was refused: it was billed).
 */
export async function aiTotals(journal: Journal, prefix = ""): Promise<AiTotals> {
  const t: AiTotals = { daily: 0, weekly: 0, emergencies: 0, monthly: 0, llmInputTokens: 0, llmOutputTokens: 0 };
  for (const r of await llmUsageRows(journal, prefix)) {
    if (r.kind === "daily") t.daily += r.n;
    else if (r.kind === "weekly") t.weekly += r.n;
    else if (r.kind === "emergency") t.emergencies += r.n;
    else if (r.kind === "monthly") t.monthly += r.n;
    t.llmInputTokens += r.inputTokens;
    t.llmOutputTokens += r.outputTokens;
  }
  return t;
}

export type LlmCallKind = AssessmentKind | "approval";
export interface LlmUsage {
  /** Records of the kind (for approval: reviews with a usage, i.e. the API answered). */
  n: number;
  /** Of those, the ones the API answered (tokens > 0). */
  calls: number;
  inputTokens: number;
  outputTokens: number;
}

/** Tokens per month (YYYY-MM, the record's date) and kind, as the API's usage fields reported them. */
export async function llmUsageByMonth(journal: Journal, prefix = ""): Promise<Record<string, Partial<Record<LlmCallKind, LlmUsage>>>> {
  const out: Record<string, Partial<Record<LlmCallKind, LlmUsage>>> = {};
  for (const r of await llmUsageRows(journal, prefix)) {
    const m = (out[r.month] ??= {});
    const u = (m[r.kind] ??= { n: 0, calls: 0, inputTokens: 0, outputTokens: 0 });
    u.n += r.n;
    u.calls += r.calls;
    u.inputTokens += r.inputTokens;
    u.outputTokens += r.outputTokens;
  }
  return out;
}

async function llmUsageRows(journal: Journal, prefix: string): Promise<{ month: string; kind: LlmCallKind; n: number; calls: number; inputTokens: number; outputTokens: number }[]> {
  const month = (c: unknown) => sql<string>`substr(${c}, 1, 7)`;
  const a = await journal.db
    .select({ month: month(assessments.date), kind: assessments.kind, n: sql<string>`count(*)`, calls: sql<string>`count(*) filter (where ${assessments.inputTokens} > 0)`, i: sql<string>`coalesce(sum(${assessments.inputTokens}), 0)`, o: sql<string>`coalesce(sum(${assessments.outputTokens}), 0)` })
    .from(assessments)
    .where(like(assessments.scope, `${escapeLike(prefix)}%`))
    .groupBy(month(assessments.date), assessments.kind);
  const usage = sql`${decisions.body} -> 'verdict' -> 'llm' -> 'usage'`;
  const d = await journal.db
    .select({ month: month(decisions.date), n: sql<string>`count(*)`, i: sql<string>`coalesce(sum((${usage} ->> 'inputTokens')::bigint), 0)`, o: sql<string>`coalesce(sum((${usage} ->> 'outputTokens')::bigint), 0)` })
    .from(decisions)
    .where(and(like(decisions.cycleKey, `${escapeLike(prefix)}%`), sql`jsonb_typeof(${usage}) = 'object'`))
    .groupBy(month(decisions.date));
  return [
    ...a.map((r) => ({ month: r.month, kind: r.kind as AssessmentKind, n: Number(r.n), calls: Number(r.calls), inputTokens: Number(r.i), outputTokens: Number(r.o) })),
    ...d.map((r) => ({ month: r.month, kind: "approval" as const, n: Number(r.n), calls: Number(r.n), inputTokens: Number(r.i), outputTokens: Number(r.o) })),
  ];
}

/** What the assessments' records keep of an Assessed (the answer, the rules', who answered and why). */
export function assessedRecord<T>(a: Assessed<T>): Record<string, unknown> {
  return { answer: a.value, answeredBy: a.answeredBy, why: a.why, rules: a.rules, llm: a.llm, usage: a.usage ?? null, ms: Math.round(a.ms) };
}
