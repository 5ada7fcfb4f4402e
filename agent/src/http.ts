// One HTTP exchange for the agent's clients (market data, the CoW order book, the alert channels): a
// timeout that covers the body too, the answer as status, headers and text. What each status means
// is the client's to say; a request that got no answer is a NoAnswer, retryable.
import type { RetryHint } from "./retry";

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** No answer: the timeout passed, or the connection failed (`cause` is fetch's error). */
export class NoAnswer extends Error implements RetryHint {
  readonly retryable = true;
  constructor(
    readonly timedOut: boolean,
    readonly timeoutMs: number,
    readonly cause: unknown,
  ) {
    super(timedOut ? `no answer within ${timeoutMs} ms` : (cause as Error)?.message ?? "fetch failed");
    this.name = "NoAnswer";
  }

  /** The failure's code or name only (undici's messages can quote the URL, which may hold a secret). */
  get code(): string {
    const c = this.cause as { name?: string; cause?: { code?: string } };
    return c?.cause?.code ?? c?.name ?? "fetch failed";
  }
}

export async function fetchText(url: string, init: RequestInit & { timeoutMs: number; fetchFn?: typeof fetch }): Promise<HttpAnswer> {
  const { timeoutMs, fetchFn, ...rest } = init;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await (fetchFn ?? fetch)(url, { ...rest, signal });
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (e) {
    throw new NoAnswer(signal.aborted, timeoutMs, e);
  }
}
