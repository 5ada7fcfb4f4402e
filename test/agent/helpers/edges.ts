// Small shared test helpers for the agent's edges: what a bad configuration says, and a closed port.
import net from "node:net";
import { expect } from "chai";
import { UserError } from "../../../agent/src/errors";

/** The message of the UserError `fn` throws (fails the test if it throws anything else or nothing). */
export function userErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error("expected an error");
}

/** A port nothing listens on: bind one, close it. */
export async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}
