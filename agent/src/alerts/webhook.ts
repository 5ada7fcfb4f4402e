// Outbound webhook, signed with Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature:
// v1,<base64 HMAC-SHA256 of "id.timestamp.body">). Any 2xx is delivered; 429 and 5xx are retried
// with the same webhook-id (the receiver's idempotency key), re-signed with the attempt's time so
// the receiver's five-minute tolerance holds.
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { withRetry, type RetryOptions } from "../retry";
import { SendError, post } from "./send";
import type { Alert, Channel } from "./types";
import { retryAfterMs } from "../market/live/http";

export interface WebhookOptions {
  url: string;
  /** whsec_<base64>; undefined when its env variable is unset. */
  secret: string | undefined;
  secretEnv: string;
  timeoutMs: number;
  maxRetryAfterMs: number;
  retry: RetryOptions;
  fetchFn?: typeof fetch;
  now?: () => Date;
}

/** proposal.created for signers' work, report for the reports (issue 19 §5), alert for everything else (Standard Webhooks event types). */
export const webhookType = (a: Alert) => (a.kind === "proposal.created" ? "proposal.created" : a.kind.startsWith("report.") ? "report" : "alert");

export function webhookChannel(o: WebhookOptions): Channel {
  const now = o.now ?? (() => new Date());
  return {
    name: "webhook",
    async send(a: Alert) {
      if (!o.secret) throw new SendError(`webhook: ${o.secretEnv} is not set; set it to the whsec_… secret the receiver verifies with`, false);
      let signer: Webhook;
      try {
        signer = new Webhook(o.secret);
      } catch {
        throw new SendError(`webhook: ${o.secretEnv} is not a Standard Webhooks secret (whsec_ followed by base64); fix the value`, false);
      }
      const id = `evt_${randomBytes(12).toString("hex")}`;
      const body = JSON.stringify({
        type: webhookType(a),
        id,
        timestamp: now().toISOString().replace(/\.\d{3}Z$/, "Z"),
        data: { kind: a.kind, severity: a.severity, title: a.title, lines: a.lines, fields: Object.fromEntries(a.fields ?? []), links: Object.fromEntries(a.links ?? []), key: a.key ?? null, ...a.data },
      });
      await withRetry(async () => {
        const at = now();
        const headers = {
          "content-type": "application/json",
          "webhook-id": id,
          "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
          "webhook-signature": signer.sign(id, at, body),
        };
        const res = await post("webhook", o.url, { headers, body, timeoutMs: o.timeoutMs, fetchFn: o.fetchFn });
        if (res.status >= 200 && res.status < 300) return;
        const what = `webhook: HTTP ${res.status}${res.text ? ` ${res.text.slice(0, 200).replace(/\s+/g, " ")}` : ""}`;
        if (res.status === 429 || res.status >= 500) {
          const after = retryAfterMs(res.headers.get("retry-after")); // delta-seconds or an HTTP date
          const afterMs = after !== null && after > 0 ? Math.min(after, o.maxRetryAfterMs) : undefined;
          throw new SendError(what, true, afterMs);
        }
        throw new SendError(`${what}; the receiver refused the alert: check alerts.webhook.url and that it verifies with the secret in ${o.secretEnv}`, false);
      }, o.retry);
    },
  };
}
