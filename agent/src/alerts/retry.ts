// Retries for the alert channels: exponential backoff, or the wait the server asked for (Telegram's
// retry_after, Retry-After), only for errors the channel marked retryable (429, 5xx, timeouts).

/** A channel's failure with whether trying again can help. The message never holds a secret or a
 * URL with one (the Telegram token sits in the URL path). */
export class SendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "SendError";
  }
}

export interface RetryOptions {
  maxAttempts: number;
  /** First backoff; doubled per attempt up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected by tests so they never wait on a clock. */
  sleep?: (ms: number) => Promise<void>;
}

export const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const base = o.baseDelayMs ?? 500;
  const max = o.maxDelayMs ?? 30_000;
  const sleep = o.sleep ?? sleepMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (!(e instanceof SendError) || !e.retryable || attempt >= o.maxAttempts) {
        if (e instanceof SendError && e.retryable && attempt > 1) e.message += ` (gave up after ${attempt} attempts)`;
        throw e;
      }
      await sleep(e.retryAfterMs ?? Math.min(max, base * 2 ** (attempt - 1)));
    }
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
