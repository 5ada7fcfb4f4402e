// What an alert is, independent of the channel that carries it, and what a channel must do.

export type Severity = "critical" | "warning" | "info";

export interface Alert {
  /** Machine name: cycle.failed, cycle.aborted, cycle.held, proposal.created, cycle.executed,
   * emergency.exit, emergency.exit-failed, recovered. */
  kind: string;
  severity: Severity;
  /** One line, no markup. */
  title: string;
  /** Plain-text paragraphs (escaped per channel). */
  lines: string[];
  /** Short label → value pairs (hashes, amounts). */
  fields?: [string, string][];
  /** Label → URL (proposal page, Safe app). */
  links?: [string, string][];
  /** Deduplication key: the same key is not sent again within the window. Absent: always sent. */
  key?: string;
  /** Sent once per key, whatever the window (a report for a period: one daily summary per date,
   * however many cycles and restarts the day has). */
  once?: boolean;
  /** Ready HTML for the e-mail's HTML part (a report's tables); absent: built from the lines. */
  html?: string;
  /** Structured payload for machines (the webhook's `data`). */
  data?: Record<string, unknown>;
}

export interface Channel {
  /** telegram, email, webhook: used in logs and results. */
  readonly name: string;
  /** Resolves once the channel accepted the alert; throws (after its own retries) otherwise. */
  send(alert: Alert): Promise<void>;
}
