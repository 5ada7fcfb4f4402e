// The AI reviewer not answering (the Messages API down, overloaded, rate-limited, timing out or
// refusing the key): the rules decide alone. That is safe (the AI is never the only gate) but not
// what the owners set up, and a revoked key would otherwise go unnoticed for good, so it is told once
// per outage, held back while it lasts (the journal's alert log, across restarts too) and closed by
// the next cycle the reviewer answers. A refused answer (malformed, out of schema, low confidence) is
// the reviewer working, not an outage. Pure: a cycle report in, alerts out.
import type { CycleReport } from "../cycle/types";
import type { Alert } from "./types";

export const REVIEWER_KIND = "ai.reviewer";

/** LLM failures that mean the service did not answer (approval/types.ts LLM_FAILURES). */
const OUTAGES: Record<string, string> = {
  timeout: "it did not answer in time (anthropic.timeoutMs)",
  connection: "it could not be reached",
  rate_limited: "it refused for the rate limit (429)",
  overloaded: "it was overloaded (529)",
  server_error: "it failed (5xx)",
  client_error: "it refused the request (4xx: the API key, the account or the model)",
};

/** The reviewer's failure in this cycle when it is an outage (the verdict says `failed (<reason>)`). */
export function reviewerOutage(r: Pick<CycleReport, "verdict">): string | undefined {
  const m = /^failed \((\w+)\)$/.exec(r.verdict?.llm ?? "");
  return m && m[1] in OUTAGES ? m[1] : undefined;
}

/** The reviewer answered this cycle: an open outage alert is closed. */
export const reviewerAnswered = (r: Pick<CycleReport, "verdict">): boolean => r.verdict?.llm === "ok";

export function reviewerAlerts(r: CycleReport): Alert[] {
  const why = reviewerOutage(r);
  if (!why) return [];
  const [chainId, safe] = r.cycleKey.split(":");
  return [
    {
      kind: REVIEWER_KIND,
      severity: "warning",
      title: `AI reviewer unavailable (${why}): the rules decided alone`,
      lines: [
        `The Messages API did not review the plan of ${r.date}: ${OUTAGES[why]}. The rules approved or refused it as they always do; the reviewer's veto and smaller plans are missing until it answers.`,
        "Check ANTHROPIC_API_KEY, the account's status and limits, and the model name; this is sent once until the reviewer answers again.",
      ],
      fields: [["Safe", `${safe} (chain ${chainId})`], ["cycle", `${r.date} ${r.status}`]],
      key: `${REVIEWER_KIND}:${why}`,
      data: { date: r.date, cycleKey: r.cycleKey, failure: why, decidedBy: r.verdict?.decidedBy ?? null },
    },
  ];
}
