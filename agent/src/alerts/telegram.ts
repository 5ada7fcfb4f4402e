// Telegram Bot API sendMessage. The token is part of the URL path (/bot<TOKEN>/sendMessage), so no
// error or log line built here contains the URL; the token is also registered as a secret (build.ts)
// so the logger scrubs it wherever it would appear.
import { withRetry, type RetryOptions } from "../retry";
import { SendError, post } from "./send";
import { telegramHtml } from "./format";
import type { Alert, Channel } from "./types";

export interface TelegramOptions {
  chatId: string | number;
  /** The bot token; undefined when its env variable is unset (every send then fails saying so). */
  token: string | undefined;
  tokenEnv: string;
  baseUrl: string;
  timeoutMs: number;
  /** A 429 asking to wait longer than this is not retried. */
  maxRetryAfterMs: number;
  retry: RetryOptions;
  fetchFn?: typeof fetch;
}

interface TelegramError {
  ok: false;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}

/** What to do about a refusal Telegram will repeat, in the operator's terms. */
function fixFor(status: number, description: string, o: TelegramOptions): string {
  if (status === 401) return `the bot token in ${o.tokenEnv} is wrong or revoked; copy it again from @BotFather`;
  if (/chat not found/i.test(description)) return `check alerts.telegram.chatId (TELEGRAM_CHAT_ID=${o.chatId}) and that the bot is a member of that chat`;
  if (status === 403) return "add the bot to the chat again (or unblock it) and let it post messages";
  if (/can't parse entities/i.test(description)) return "the message's HTML was refused: a bug in the alert formatting, please report it";
  return "fix the Telegram settings under alerts.telegram";
}

export function telegramChannel(o: TelegramOptions): Channel {
  const base = o.baseUrl.replace(/\/+$/, "");
  return {
    name: "telegram",
    async send(a: Alert) {
      if (!o.token) throw new SendError(`telegram: ${o.tokenEnv} is not set; set it to the bot token from @BotFather`, false);
      const body = JSON.stringify({ chat_id: o.chatId, text: telegramHtml(a), parse_mode: "HTML", link_preview_options: { is_disabled: true } });
      await withRetry(async () => {
        const res = await post("telegram", `${base}/bot${o.token}/sendMessage`, { headers: { "content-type": "application/json" }, body, timeoutMs: o.timeoutMs, fetchFn: o.fetchFn });
        let json: TelegramError | { ok: true } | undefined;
        try {
          json = JSON.parse(res.text);
        } catch {
          json = undefined;
        }
        if (res.status === 200 && json?.ok === true) return;
        const err = (json ?? {}) as TelegramError;
        const code = err.error_code ?? res.status;
        const description = err.description ?? `HTTP ${res.status}`;
        if (code === 429) {
          const after = err.parameters?.retry_after ?? 1;
          if (after * 1000 > o.maxRetryAfterMs) throw new SendError(`telegram: ${description}: asked to wait ${after} s, more than alerts.maxRetryAfterSeconds (${o.maxRetryAfterMs / 1000} s); not retried`, false);
          throw new SendError(`telegram: ${description}`, true, after * 1000);
        }
        if (res.status >= 500 || res.status === 0) throw new SendError(`telegram: ${description}`, true);
        throw new SendError(`telegram: ${code} ${description}; ${fixFor(code, description, o)}`, false);
      }, o.retry);
    },
  };
}
