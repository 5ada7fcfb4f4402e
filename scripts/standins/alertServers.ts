// Local stand-ins for what the alert channels talk to, reproducing the real shapes and status codes:
// the Telegram Bot API's sendMessage (as its docs give them), a Standard Webhooks receiver that
// verifies signatures, and an SMTP server (smtp-server) that keeps the mails it receives.
import http from "node:http";
import { Webhook } from "standardwebhooks";
import { SMTPServer } from "smtp-server";
import { listenLocal, type Listening } from "../../agent/src/localServer";

const readBody = (req: http.IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });

/** One scripted answer before the normal behaviour: a status with Telegram's error envelope, or no answer. */
export type Fault = { status: number; description: string; retryAfter?: number } | "hang";

export interface TelegramStub extends Listening {
  /** Every request: its path (token included) and JSON body. */
  requests: { path: string; body: Record<string, unknown> }[];
  /** Messages accepted, by chat. */
  delivered: { chatId: string; text: string }[];
  faults: Fault[];
}

/** Telegram's HTML parse mode: only known tags, balanced, and the four entities; else 400. */
function parseHtmlError(text: string): string | undefined {
  const stack: string[] = [];
  const re = /<(\/?)([a-z]+)(\s+href="[^"<>]*")?>|&(amp|lt|gt|quot);|[<>&]/g;
  for (let m; (m = re.exec(text)); ) {
    if (m[0] === "<" || m[0] === ">" || m[0] === "&") return `Can't find end of the entity starting at byte offset ${m.index}`;
    if (m[4]) continue;
    const [, close, tag] = m;
    if (!["b", "i", "code", "pre", "a", "u", "s"].includes(tag)) return `Unsupported start tag "${tag}" at byte offset ${m.index}`;
    if (close) {
      if (stack.pop() !== tag) return `Can't find end tag corresponding to start tag "${tag}"`;
    } else stack.push(tag);
  }
  return stack.length ? `Can't find end tag corresponding to start tag "${stack[stack.length - 1]}"` : undefined;
}

export async function startTelegramStub(o: { token: string; chats: string[] }): Promise<TelegramStub> {
  const state = { requests: [] as TelegramStub["requests"], delivered: [] as TelegramStub["delivered"], faults: [] as Fault[] };
  const server = http.createServer(async (req, res) => {
    const raw = await readBody(req);
    const reply = (status: number, json: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    const fail = (code: number, description: string, parameters?: unknown) => reply(code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw);
    } catch {
      /* checked below */
    }
    state.requests.push({ path: req.url ?? "", body });
    const fault = state.faults.shift();
    if (fault === "hang") return; // never answers: the client's timeout
    if (fault) return fail(fault.status, fault.description, fault.retryAfter === undefined ? undefined : { retry_after: fault.retryAfter });
    const m = /^\/bot([^/]+)\/sendMessage$/.exec(req.url ?? "");
    if (!m) return fail(404, "Not Found");
    if (m[1] !== o.token) return fail(401, "Unauthorized");
    if (req.method !== "POST") return fail(405, "Method Not Allowed");
    const chatId = String(body.chat_id ?? "");
    const text = typeof body.text === "string" ? body.text : "";
    if (!chatId) return fail(400, "Bad Request: chat_id is empty");
    if (!text) return fail(400, "Bad Request: message text is empty");
    if (!o.chats.includes(chatId)) return fail(400, "Bad Request: chat not found");
    if (body.parse_mode === "HTML") {
      const err = parseHtmlError(text);
      if (err) return fail(400, `Bad Request: can't parse entities: ${err}`);
    }
    if (text.length > 4096) return fail(400, "Bad Request: message is too long");
    state.delivered.push({ chatId, text });
    reply(200, { ok: true, result: { message_id: 4711 + state.delivered.length, from: { id: 7012345678, is_bot: true, first_name: "Treasury Bot", username: "treasury_safe_bot" }, chat: { id: Number(chatId), title: "Treasury signers", type: "supergroup" }, date: 1795527441, text } });
  });
  return Object.assign(state, await listenLocal(server));
}

export interface WebhookReceiver extends Listening {
  received: { headers: Record<string, string>; body: string; verified: boolean; error?: string }[];
  /** Statuses to answer before the normal 204. */
  statuses: number[];
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const verifier = new Webhook(secret);
  const state = { received: [] as WebhookReceiver["received"], statuses: [] as number[] };
  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    let verified = false;
    let error: string | undefined;
    try {
      verifier.verify(body, headers);
      verified = true;
    } catch (e) {
      error = (e as Error).message;
    }
    state.received.push({ headers, body, verified, error });
    const status = state.statuses.shift() ?? (verified ? 204 : 401);
    res.writeHead(status, { "content-type": "text/plain" });
    res.end(status === 204 ? undefined : status === 401 ? "invalid signature" : "busy");
  });
  return Object.assign(state, await listenLocal(server));
}

export interface Mail {
  from: string;
  to: string[];
  raw: string;
}

export interface SmtpStub {
  port: number;
  mails: Mail[];
  close(): Promise<void>;
}

/** smtp-server in process (no TLS); with `auth`, only that user and password log in. */
export async function startSmtpServer(auth?: { user: string; pass: string }): Promise<SmtpStub> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: !auth,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(a, _s, cb) {
      if (auth && a.username === auth.user && a.password === auth.pass) return cb(null, { user: a.username });
      cb(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mails.push({ from: (session.envelope.mailFrom || { address: "" }).address, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") });
        cb(null);
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.server.address() as { port: number }).port;
  return { port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** RFC 2047 encoded words (=?UTF-8?Q|B?…?=) in a header value, decoded. */
export function decodeHeader(v: string): string {
  return v.replace(/\?=\s+=\?/g, "?==?").replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, s: string) =>
    enc.toUpperCase() === "B" ? Buffer.from(s, "base64").toString("utf8") : Buffer.from(s.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8"),
  );
}

/** A header of a raw mail (unfolded). */
export function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, " ");
  const m = new RegExp(`^${name}:\\s*(.*)$`, "im").exec(head);
  return m ? decodeHeader(m[1]) : undefined;
}

/** The decoded body of the mail's part of this content type (quoted-printable, base64 or plain). */
export function part(raw: string, type: string): string | undefined {
  const idx = raw.search(new RegExp(`Content-Type:\\s*${type.replace("/", "\\/")}`, "i"));
  if (idx < 0) return undefined;
  const rest = raw.slice(idx);
  const [hdr, ...bodyParts] = rest.split(/\r?\n\r?\n/);
  const body = bodyParts.join("\n\n").split(/\r?\n--/)[0];
  if (/Content-Transfer-Encoding:\s*quoted-printable/i.test(hdr)) return Buffer.from(body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8");
  if (/Content-Transfer-Encoding:\s*base64/i.test(hdr)) return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  return body;
}
