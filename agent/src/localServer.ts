// Reading requests, listening and stopping for this repository's local HTTP servers (the Safe Transaction Service and
// the CoW order book stand-ins): a free port by default, an origin that works for IPv6 hosts too,
// and a close that does not wait for keep-alive connections.
import http, { type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** An HTTP server that hands each request over with its URL parsed and its whole body read as text. */
export function localHttpServer(handle: (req: IncomingMessage, res: ServerResponse, url: URL, raw: string) => Promise<void>): Server {
  return http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => void handle(req, res, new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`), raw));
  });
}

export interface Listening {
  /** http://host:port, IPv6 hosts in brackets. */
  origin: string;
  port: number;
  close(): Promise<void>;
}

export async function listenLocal(server: Server, opts: { port?: number; host?: string } = {}): Promise<Listening> {
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
