// The alert channels' failure (retried by agent/src/retry.ts when marked retryable: 429, 5xx,
// timeouts) and their POST with a timeout.
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

/** fetch with a timeout; network failures and timeouts become retryable SendErrors that name the
 * channel but never the URL. */
export async function post(channel: string, url: string, init: { headers: Record<string, string>; body: string; timeoutMs: number; fetchFn?: typeof fetch }): Promise<{ status: number; headers: Headers; text: string }> {
  let res: Response;
  try {
    res = await (init.fetchFn ?? fetch)(url, { method: "POST", headers: init.headers, body: init.body, signal: AbortSignal.timeout(init.timeoutMs) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (e) {
    const err = e as { name?: string; cause?: { code?: string } };
    if (err.name === "TimeoutError" || err.name === "AbortError") throw new SendError(`${channel}: no answer within ${init.timeoutMs} ms`, true);
    // Only the error's code or name: undici's messages can quote the URL, and Telegram's holds the token.
    throw new SendError(`${channel}: network error (${err.cause?.code ?? err.name ?? "fetch failed"})`, true);
  }
}
