// A local Messages-API-compatible server (POST /v1/messages) answering with the shapes of
// ../shared/reference/external-apis.md §3: a tool_use message, the error envelope, or nothing at all.
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

export function toolMessage(model: string, input: unknown, stopReason = "tool_use", name = "record_review") {
  return {
    id: "msg_01StubXyz", type: "message", role: "assistant", model,
    content: [{ type: "tool_use", id: "toolu_01StubAbc", name, input }],
    stop_reason: stopReason, stop_sequence: null, stop_details: null, container: null, diagnostics: null,
    usage: { input_tokens: 1432, output_tokens: 88, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
}

export class MessagesStub {
  readonly requests: Captured[] = [];
  private replies: Reply[] = [];
  private hanging: http.ServerResponse[] = [];
  private server = http.createServer((req, res) => this.handle(req, res));
  url = "";

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
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
      const r = this.replies.length > 1 ? this.replies.shift()! : this.replies[0];
      const json = (status: number, payload: unknown, extra: Record<string, string> = {}) =>
        res.writeHead(status, { "content-type": "application/json", "request-id": `req_stub${this.requests.length}`, ...extra }).end(JSON.stringify(payload));
      switch (r?.kind) {
        case "tool":
          return json(200, toolMessage(body.model, r.input, r.stopReason, r.name));
        case "text":
          return json(200, { ...toolMessage(body.model, {}), content: [{ type: "text", text: r.text }], stop_reason: "end_turn" });
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
