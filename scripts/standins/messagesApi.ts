// A local Messages-API-compatible server (POST /v1/messages) answering with the shapes Anthropic documents
// for the Messages API: a tool_use message, the error envelope (429, 500, 529...), or nothing at all.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Captured {
  headers: http.IncomingHttpHeaders;
  body: {
    model: string;
    system?: string;
    tools: { name: string; input_schema: unknown }[];
    tool_choice: { type: string; name?: string };
    messages: { role: string; content: string }[];
    thinking?: unknown;
  };
}

export type Reply =
  | { kind: "tool"; input: unknown; stopReason?: string; name?: string }
  | { kind: "text"; text: string }
  | { kind: "error"; status: number; type: string; message: string }
  | { kind: "hang" };

export interface StubUsage {
  input_tokens: number;
  output_tokens: number;
}
/** The fixed usage of the default mode: distinct numbers, so a test sees they come from the response. */
export const FIXED_USAGE: StubUsage = { input_tokens: 1432, output_tokens: 88 };

export function toolMessage(model: string, input: unknown, stopReason = "tool_use", name = "record_review", usage: StubUsage = FIXED_USAGE) {
  return {
    id: "msg_01StubXyz", type: "message", role: "assistant", model,
    content: [{ type: "tool_use", id: "toolu_01StubAbc", name, input }],
    stop_reason: stopReason, stop_sequence: null, stop_details: null, container: null, diagnostics: null,
    usage: { ...usage, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
}

/**
 * Tokens the way the real API counts them, estimated from the actual request and answer (no real
 * tokenizer for current Claude models is published; ~4 characters a token is Anthropic's own rule of
 * thumb for English text and JSON): input = the system prompt, the messages and the tool definitions
 * (name, description, JSON schema) / 4, plus the tool-use system prompt the API adds with a forced
 * tool (tool_choice "any"/"tool": 313 tokens on the Claude 4 family, Anthropic's tool-use pricing
 * table, read 2026-12-07); output = the tool_use block's JSON / 4 plus its framing (~10 tokens).
 */
export const TOOL_USE_SYSTEM_TOKENS = 313;
export const CHARS_PER_TOKEN = 4;
export function countedUsage(body: Captured["body"], input: unknown): StubUsage {
  const chars =
    (body.system?.length ?? 0) +
    body.messages.reduce((a, m) => a + (typeof m.content === "string" ? m.content.length : JSON.stringify(m.content).length), 0) +
    (body.tools ?? []).reduce((a, t) => a + JSON.stringify(t).length, 0);
  return {
    input_tokens: Math.ceil(chars / CHARS_PER_TOKEN) + (body.tools?.length ? TOOL_USE_SYSTEM_TOKENS : 0),
    output_tokens: Math.ceil(JSON.stringify(input).length / CHARS_PER_TOKEN) + 10,
  };
}

export class MessagesStub {
  readonly requests: Captured[] = [];
  /** The usage reported for each answered request, in order. */
  readonly usages: StubUsage[] = [];
  private replies: Reply[] = [];
  private byTool = new Map<string, Reply>();

  /** `usage: "counted"`: usage estimated from each request (countedUsage), else FIXED_USAGE. */
  constructor(private readonly o: { usage?: "fixed" | "counted" } = {}) {}
  private hanging: http.ServerResponse[] = [];
  private server = http.createServer((req, res) => this.handle(req, res));
  url = "";

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  /** The reply for each forced tool (tool_choice.name), whatever the order of the requests. */
  replyByTool(replies: Record<string, Reply>) {
    this.byTool = new Map(Object.entries(replies));
    this.requests.length = 0;
  }
  /** Replies served in order, one per request; the last one repeats. */
  reply(...r: Reply[]) {
    this.replies = r;
    this.requests.length = 0;
  }
  async stop() {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/messages") {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: `${req.method} ${req.url}` }, request_id: "req_stub404" }));
        return;
      }
      const body = JSON.parse(raw);
      this.requests.push({ headers: req.headers, body });
      const r = this.byTool.get(body.tool_choice?.name ?? "") ?? (this.replies.length > 1 ? this.replies.shift()! : this.replies[0]);
      const usage = (input: unknown) => {
        const u = this.o.usage === "counted" ? countedUsage(body, input) : FIXED_USAGE;
        this.usages.push(u);
        return u;
      };
      const json = (status: number, payload: unknown, extra: Record<string, string> = {}) =>
        res.writeHead(status, { "content-type": "application/json", "request-id": `req_stub${this.requests.length}`, ...extra }).end(JSON.stringify(payload));
      switch (r?.kind) {
        case "tool":
          return json(200, toolMessage(body.model, r.input, r.stopReason, r.name, usage(r.input)));
        case "text":
          return json(200, { ...toolMessage(body.model, {}, "end_turn", undefined, usage(r.text)), content: [{ type: "text", text: r.text }], stop_reason: "end_turn" });
        case "error":
          return json(r.status, { type: "error", error: { type: r.type, message: r.message }, request_id: `req_stub${this.requests.length}` }, r.status === 429 ? { "retry-after": "1" } : {});
        case "hang":
          this.hanging.push(res);
          return;
        default:
          return json(500, { type: "error", error: { type: "api_error", message: "stub has no reply configured" } });
      }
    });
  }
}
