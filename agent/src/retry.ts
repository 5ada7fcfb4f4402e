// One retry loop for the agent's HTTP clients (market data, the CoW order book, the alert channels):
// try again only when the failure says it can help, after the wait the server asked for (Retry-After,
// Telegram's retry_after) or an exponential backoff.

/** What a client's error says about trying again (set on the errors it throws). */
export interface RetryHint {
  /** 429, 5xx, a timeout or a network error: yes; a 4xx, a malformed or refused answer: no. */
  retryable?: boolean;
  /** The wait the server asked for, when it asked. */
  retryAfterMs?: number;
}

export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** First backoff (default 500 ms); doubled per attempt up to maxDelayMs (default 30 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected by tests so they never wait on a clock. */
  sleep?: (ms: number) => Promise<void>;
}

/** Mark a client's error as worth another attempt (after the server's wait, when it named one). */
export const retryable = <E extends Error>(e: E, afterMs?: number): E & RetryHint => Object.assign(e, { retryable: true, retryAfterMs: afterMs });

export const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `fn` until it succeeds, throws an error that is not retryable, or the attempts are used up (the last error is thrown). */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const base = o.baseDelayMs ?? 500;
  const max = o.maxDelayMs ?? 30_000;
  const sleep = o.sleep ?? sleepMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      const hint = e as RetryHint;
      if (!(e instanceof Error) || hint.retryable !== true || attempt >= o.maxAttempts) {
        if (e instanceof Error && hint.retryable === true && attempt > 1) e.message += ` (gave up after ${attempt} attempts)`;
        throw e;
      }
      await sleep(hint.retryAfterMs ?? Math.min(max, base * 2 ** (attempt - 1)));
    }
  }
}
