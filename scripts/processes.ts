// Local processes the scripts, benchmarks and tests start: a free port to give them, and a stop
// that asks first (SIGTERM) and insists after a grace period (SIGKILL).
import type { ChildProcess } from "node:child_process";
import net from "node:net";

/** A port the OS says is free on `host` now (never a hard-coded one: this machine is shared). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** SIGTERM each child still running; resolves when all have exited (SIGKILL after `graceMs`). */
export function stopChildren(children: ChildProcess[], graceMs = 5_000): Promise<void> {
  const live = children.filter((c) => c.exitCode === null && c.signalCode === null);
  return Promise.all(
    live.map(
      (c) =>
        new Promise<void>((resolve) => {
          const t = setTimeout(() => c.kill("SIGKILL"), graceMs);
          c.once("exit", () => (clearTimeout(t), resolve()));
          c.kill("SIGTERM");
        }),
    ),
  ).then(() => undefined);
}
