// Sends an alert to every configured channel independently (one failing does not stop the others),
// holds back a key already sent within the window, logs what failed, and never throws: an alert
// must not change what the agent does or how a command exits.
import type { Logger } from "pino";
import type { AlertLog, SentAlert } from "./dedup";
import type { Alert, Channel } from "./types";

export interface DispatchResult {
  kind: string;
  key?: string;
  /** Held back: the same key was sent within the window and not resolved since. */
  suppressed: boolean;
  delivered: string[];
  failed: { channel: string; error: string }[];
}

export interface DispatcherOptions {
  channels: Channel[];
  log: Logger;
  /** Absent: no deduplication (nothing is remembered). */
  store?: AlertLog;
  dedupMs: number;
  now?: () => Date;
}

const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Undelivered alerts kept for a later try, at most (the oldest is dropped, with a log line). */
const MAX_UNDELIVERED = 20;

export class AlertDispatcher {
  private readonly now: () => Date;
  /** Alerts no channel took, with when they were raised: tried again by retryUndelivered(). A
   * proposal or an emergency exit happens once, so without this a moment with every channel down
   * would lose it for good (a repeated failure is sent again by its next occurrence anyway). */
  private undelivered: { alert: Alert; at: Date }[] = [];
  constructor(private readonly o: DispatcherOptions) {
    this.now = o.now ?? (() => new Date());
  }

  get enabled(): boolean {
    return this.o.channels.length > 0;
  }

  async send(a: Alert): Promise<DispatchResult> {
    const out: DispatchResult = { kind: a.kind, key: a.key, suppressed: false, delivered: [], failed: [] };
    if (!this.enabled) return out;
    const { log, store } = this.o;
    try {
      const at = this.now();
      if (a.key && store && (a.once || this.o.dedupMs > 0)) {
        const prev = await store.get(a.key).catch((e) => void log.error({ kind: a.kind, error: text(e) }, "alert log unreadable: sending without deduplication"));
        if (prev && !prev.resolvedAt && (a.once || at.getTime() - prev.sentAt.getTime() < this.o.dedupMs)) {
          await store.suppressed(a.key).catch(() => undefined);
          log.info({ kind: a.kind, key: a.key, sentAt: prev.sentAt.toISOString(), suppressed: prev.suppressed + 1 }, a.once ? "alert held back: sent once per key, and already sent" : "alert held back: already sent within the dedup window");
          return { ...out, suppressed: true };
        }
      }
      await Promise.all(
        this.o.channels.map(async (c) => {
          try {
            await c.send(a);
            out.delivered.push(c.name);
          } catch (e) {
            out.failed.push({ channel: c.name, error: text(e) });
            log.error({ channel: c.name, kind: a.kind, key: a.key, error: text(e) }, "alert not delivered");
          }
        }),
      );
      // Remembered only once a channel took it: if every channel failed, the next occurrence tries
      // again, and retryUndelivered() sends this one at the next cycle.
      if (!out.delivered.length && out.failed.length) this.keep(a, at);
      if (out.delivered.length && a.key && store) await store.sent(a.key, a.kind, a.title, at).catch((e) => log.error({ kind: a.kind, error: text(e) }, "alert sent but not recorded: it may be sent again"));
      if (out.delivered.length) log.info({ kind: a.kind, key: a.key, delivered: out.delivered }, "alert sent");
    } catch (e) {
      log.error({ kind: a.kind, error: text(e) }, "alert dispatch failed");
    }
    return out;
  }

  /** Sends again each alert no channel took (each once per call; still undelivered: kept). Never throws. */
  async retryUndelivered(): Promise<DispatchResult[]> {
    const due = this.undelivered;
    this.undelivered = [];
    const out: DispatchResult[] = [];
    for (const u of due) {
      const late = { ...u.alert, lines: [...u.alert.lines, `Delayed: no channel took this alert when it was raised at ${u.at.toISOString()}.`] };
      const r = await this.send(late);
      // send() kept it again if it failed; the original raise time is what the reader needs.
      const kept = this.undelivered.find((x) => x.alert === late);
      if (kept) Object.assign(kept, { alert: u.alert, at: u.at });
      out.push(r);
    }
    return out;
  }

  private keep(a: Alert, at: Date): void {
    this.undelivered.push({ alert: a, at });
    if (this.undelivered.length > MAX_UNDELIVERED) {
      const dropped = this.undelivered.shift()!;
      this.o.log.error({ kind: dropped.alert.kind, raisedAt: dropped.at.toISOString() }, "alert dropped: no channel took it and too many are waiting");
    }
  }

  /** Closes the open alerts of these kinds (a later success); returns what was open. Never throws. */
  async resolve(kinds: readonly string[]): Promise<SentAlert[]> {
    if (!this.enabled || !this.o.store) return [];
    try {
      return await this.o.store.resolve(kinds, this.now());
    } catch (e) {
      this.o.log.error({ error: text(e) }, "alert log: could not resolve open alerts");
      return [];
    }
  }
}
