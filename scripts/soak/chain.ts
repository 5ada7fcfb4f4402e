// The local chain for the soak, restartable with its state: anvil runs with `--state FILE` (its
// state dumped to the file on exit, loaded from it at start), so a stop and a new anvil on the same
// port give the same chain back (balances, contracts, nonces, the block number). Clients see the
// connection refused while it is down. (anvil_dumpState / anvil_loadState over RPC refuse a world
// this size: "Invalid request".)
import type { ChildProcess } from "node:child_process";
import { startAnvil, stopAnvil, waitForChainId } from "../processes";
import { TEST_MNEMONIC } from "../world/rpc";

async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

export interface SoakChain {
  url: string;
  pid(): number | undefined;
  /** Stop anvil, wait for `whileDown`, start it again with the state it had; resolves once it answers. */
  restart(whileDown: () => Promise<unknown>): Promise<{ blockBefore: number; blockAfter: number }>;
  stop(): Promise<void>;
}

export async function startSoakChain(port: number, stateFile: string): Promise<SoakChain> {
  const url = `http://127.0.0.1:${port}`;
  const start = () => startAnvil({ port, mnemonic: TEST_MNEMONIC, extraArgs: ["--state", stateFile] });
  let anvil: ChildProcess = await start();
  await waitForChainId(url);
  return {
    url,
    pid: () => anvil.pid,
    async restart(whileDown) {
      const blockBefore = Number(await rpc<string>(url, "eth_blockNumber"));
      const timeBefore = Number((await rpc<{ timestamp: string }>(url, "eth_getBlockByNumber", ["latest", false])).timestamp);
      const downAt = Date.now();
      // SIGTERM: anvil writes its state to the file as it exits.
      await stopAnvil(anvil, 30_000);
      await whileDown();
      anvil = await start();
      await waitForChainId(url);
      // anvil's state file keeps the blocks but not its clock's offset: the world moved time forward
      // (feeds, maturities), and a restarted anvil would stamp its next block with the wall clock,
      // back in time (interest un-accrued: a vault's share price "down", feeds from the future). A
      // real chain's time only moves on: as much as it was down.
      const ahead = timeBefore + Math.ceil((Date.now() - downAt) / 1000) - Math.floor(Date.now() / 1000);
      if (ahead > 0) await rpc(url, "evm_increaseTime", [ahead]);
      const blockAfter = Number(await rpc<string>(url, "eth_blockNumber"));
      if (blockAfter < blockBefore) throw new Error(`the chain came back at block ${blockAfter}, before ${blockBefore}: anvil_loadState lost blocks`);
      return { blockBefore, blockAfter };
    },
    stop: () => stopAnvil(anvil),
  };
}
