// The alert channels from the configuration: each section present is a channel; its secret is read
// from the env variable the configuration names and registered so the logger never prints it.
import type { Logger } from "pino";
import type { AlertsConfig } from "../config/schema";
import type { Journal } from "../journal";
import { registerSecret } from "../log";
import { AlertLog } from "./dedup";
import { AlertDispatcher } from "./dispatcher";
import { emailChannel } from "./email";
import { notifier, type Notifier } from "./notify";
import { telegramChannel } from "./telegram";
import { webhookChannel } from "./webhook";
import type { Channel } from "./types";

export interface AlertsDeps {
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** The journal whose database remembers what was sent (dedup across restarts). */
  journal?: Journal;
  /** Tests: a sleep that does not wait, a fixed clock. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

export function alertChannels(cfg: AlertsConfig, deps: Pick<AlertsDeps, "env" | "sleep" | "now">): Channel[] {
  const secret = (name: string) => {
    const v = deps.env[name]?.trim() || undefined;
    registerSecret(v);
    return v;
  };
  const retry = { maxAttempts: cfg.maxAttempts, sleep: deps.sleep };
  const maxRetryAfterMs = cfg.maxRetryAfterSeconds * 1000;
  const out: Channel[] = [];
  if (cfg.telegram) out.push(telegramChannel({ ...cfg.telegram, token: secret(cfg.telegram.tokenEnv), timeoutMs: cfg.timeoutMs, maxRetryAfterMs, retry }));
  if (cfg.email) out.push(emailChannel({ ...cfg.email, password: secret(cfg.email.passwordEnv), timeoutMs: cfg.timeoutMs, retry }));
  if (cfg.webhook) out.push(webhookChannel({ ...cfg.webhook, secret: secret(cfg.webhook.secretEnv), timeoutMs: cfg.timeoutMs, maxRetryAfterMs, retry, now: deps.now }));
  return out;
}

export function alertsFrom(cfg: AlertsConfig, deps: AlertsDeps): Notifier {
  const channels = alertChannels(cfg, deps);
  if (channels.length) deps.log.info({ channels: channels.map((c) => c.name), dedupSeconds: cfg.dedupSeconds }, "alerts on");
  const d = new AlertDispatcher({ channels, log: deps.log, store: deps.journal && AlertLog.of(deps.journal), dedupMs: cfg.dedupSeconds * 1000, now: deps.now });
  return notifier(d, cfg);
}
