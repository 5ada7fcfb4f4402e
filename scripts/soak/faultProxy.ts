// A fault injector in front of one HTTP service (the RPC, a market API, the Messages API, the tx
// service, an alert channel): it forwards every request unchanged until told to misbehave, then
// refuses connections, hangs, answers a status (5xx, 429, 529) in the service's error shape, or
// answers 200 with a body that is not what the client expects.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Mode =
  | { kind: "ok" }
  /** The TCP connection is dropped as soon as it is accepted (ECONNRESET / "fetch failed"). */
  | { kind: "refuse" }
  /** The request is read and never answered (the client's timeout). */
  | { kind: "hang" }
  | { kind: "status"; status: number; body?: string; headers?: Record<string, string> }
  /** 200 with a body that is not the service's JSON. */
  | { kind: "malformed" };

export interface FaultProxy {
  url: string;
  mode: Mode;
  set(m: Mode): void;
  /** Requests seen, and how many were answered by a fault. */
  hits: { total: number; faulted: number };
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const hanging = new Set<http.ServerResponse>();
  const hits = { total: 0, faulted: 0 };
  const state: { mode: Mode } = { mode: { kind: "ok" } };
  const server = http.createServer((req, res) => {
    hits.total++;
    const m = state.mode;
    if (m.kind !== "ok") hits.faulted++;
    if (m.kind === "refuse") return void req.socket.destroy();
    if (m.kind === "hang") {
      hanging.add(res);
      req.resume();
      return;
    }
    if (m.kind === "status") {
      req.resume();
      res.writeHead(m.status, { "content-type": "application/json", ...(m.headers ?? {}) });
      return void res.end(m.body ?? JSON.stringify({ error: `injected ${m.status}` }));
    }
    if (m.kind === "malformed") {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end('{"truncated": [1, 2');
    }
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    // The service itself is down (a chain restart): the client sees the connection drop, as it would.
    out.on("error", () => req.socket.destroy());
    req.pipe(out);
  });
  server.on("connection", (s) => {
    if (state.mode.kind === "refuse") {
      hits.total++;
      hits.faulted++;
      return void s.destroy();
    }
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname === "/" ? "" : upstream.pathname}`,
    get mode() {
      return state.mode;
    },
    set(m) {
      state.mode = m;
      if (m.kind !== "hang") {
        // Released hangs end like a dropped connection, as a proxy timing out would.
        for (const r of hanging) r.socket?.destroy();
        hanging.clear();
      }
      // Keep-alive connections opened before a refusal would otherwise slip through it.
      if (m.kind === "refuse") for (const s of sockets) s.destroy();
    },
    hits,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
