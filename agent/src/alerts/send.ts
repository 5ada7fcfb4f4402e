// The alert channels' failure (retried by agent/src/retry.ts when marked retryable: 429, 5xx,
// timeouts) and their POST with a timeout.
import { fetchText, NoAnswer, type HttpAnswer } from "../http";
import type { RetryHint } from "../retry";

/** A channel's failure with whether trying again can help. The message never holds a secret or a
 * URL with one (the Telegram token sits in the URL path). */
export class SendError extends Error implements RetryHint {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "SendError";
  }
}

/** POST with a timeout; no answer becomes a retryable SendError that names the channel, never the URL. */
export async function post(channel: string, url: string, init: { headers: Record<string, string>; body: string; timeoutMs: number; fetchFn?: typeof fetch }): Promise<HttpAnswer> {
  try {
    return await fetchText(url, { method: "POST", ...init });
  } catch (e) {
    if (!(e instanceof NoAnswer)) throw e;
    throw new SendError(e.timedOut ? `${channel}: ${e.message}` : `${channel}: network error (${e.code})`, true);
  }
}
