// E-mail over SMTP (nodemailer). Connection failures and the server's transient 4xx replies are
// retried; 5xx replies (unknown recipient, refused sender, bad login) are not.
import nodemailer from "nodemailer";
import { withRetry, type RetryOptions } from "../retry";
import { SendError } from "./send";
import { emailHtml, plainText } from "./format";
import type { Alert, Channel } from "./types";

export interface EmailOptions {
  host: string;
  port: number;
  secure?: boolean;
  user?: string;
  /** Undefined when the password's env variable is unset. */
  password: string | undefined;
  passwordEnv: string;
  from: string;
  to: string[];
  timeoutMs: number;
  retry: RetryOptions;
}

const TRANSIENT = new Set(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS"]);
const PREFIX: Record<Alert["severity"], string> = { critical: "[treasury] CRITICAL", warning: "[treasury]", info: "[treasury]" };

export const emailSubject = (a: Alert) => `${PREFIX[a.severity]} ${a.title}`;

export function emailChannel(o: EmailOptions): Channel {
  const transport = nodemailer.createTransport({
    host: o.host,
    port: o.port,
    secure: o.secure ?? o.port === 465,
    auth: o.user ? { user: o.user, pass: o.password ?? "" } : undefined,
    connectionTimeout: o.timeoutMs,
    greetingTimeout: o.timeoutMs,
    socketTimeout: o.timeoutMs,
  });
  return {
    name: "email",
    async send(a: Alert) {
      if (o.user && !o.password) throw new SendError(`email: ${o.passwordEnv} is not set; set it to the SMTP password of ${o.user}`, false);
      await withRetry(async () => {
        try {
          await transport.sendMail({ from: o.from, to: o.to, subject: emailSubject(a), text: plainText(a), html: a.html ?? emailHtml(a) });
        } catch (e) {
          const err = e as { code?: string; responseCode?: number; message?: string };
          const msg = `email: ${(err.message ?? String(e)).split("\n")[0]}`;
          if (err.code === "EAUTH") throw new SendError(`${msg}; check alerts.email.user and ${o.passwordEnv}`, false);
          const transient = TRANSIENT.has(err.code ?? "") || (err.responseCode !== undefined && err.responseCode >= 400 && err.responseCode < 500);
          throw new SendError(transient ? msg : `${msg}; check alerts.email (host, from, to)`, transient);
        }
      }, o.retry);
    },
  };
}
