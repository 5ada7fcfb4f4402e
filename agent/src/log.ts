// Structured logs (pino). Two layers keep secrets out: redaction of the fields that may hold them,
// and a scrub of every registered secret (keys, passwords, API keys) from each line before it is
// written, wherever it appears (a message, an error's text, a nested object).
import pino, { type DestinationStream, type Logger } from "pino";

const secrets = new Set<string>();

/** Remember a secret so no log line ever contains it (hex keys: with and without 0x, any case). */
export function registerSecret(s: string | undefined) {
  if (!s || s.length < 8) return;
  secrets.add(s);
  if (/^0x[0-9a-fA-F]+$/.test(s)) {
    secrets.add(s.slice(2));
  }
}

export function scrub(line: string): string {
  let out = line;
  for (const s of secrets) {
    if (!out.toLowerCase().includes(s.toLowerCase())) continue;
    out = out.replace(new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"), "[REDACTED]");
  }
  return out;
}

export const REDACT_PATHS = ["key", "privateKey", "apiKey", "password", "secret", "authorization", "*.key", "*.privateKey", "*.apiKey", "*.password", "*.secret", "*.authorization", "headers.authorization", "headers[\"x-api-key\"]"];

export function createLogger(level = "info", dest?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: "treasury-agent" },
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      hooks: {
        streamWrite: (s) => scrub(s),
      },
    },
    dest ?? pino.destination(2),
  );
}
