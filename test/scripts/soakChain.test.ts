// The soak's chain restart gives the same chain back: its blocks and its time. A world that moved
// time forward (feeds, maturities) must not come back in the past (interest un-accrued, feeds from
// the future): the 24 h soak saw vault share prices "down" after a restart, then no usable price.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startSoakChain } from "../../scripts/soak/chain";
import { freePort } from "../../scripts/processes";

async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }), signal: AbortSignal.timeout(10_000) });
  return ((await r.json()) as { result: T }).result;
}
const latest = async (url: string) => {
  const b = await rpc<{ number: string; timestamp: string }>(url, "eth_getBlockByNumber", ["latest", false]);
  return { number: Number(b.number), timestamp: Number(b.timestamp) };
};

describe("soak chain (scripts/soak/chain): a restart keeps the chain's blocks and its time", function () {
  this.timeout(120_000);
  it("a chain a day ahead of the wall clock is still ahead after the restart; the next block is not in its past", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soak-chain-"));
    const c = await startSoakChain(await freePort(), path.join(dir, "state.json"));
    try {
      await rpc(c.url, "evm_increaseTime", [86_400]);
      await rpc(c.url, "evm_mine");
      const before = await latest(c.url);
      const r = await c.restart(async () => undefined);
      expect(r.blockAfter).to.equal(before.number);
      await rpc(c.url, "evm_mine");
      const after = await latest(c.url);
      expect(after.number).to.equal(before.number + 1);
      expect(after.timestamp, "the block after the restart is not before the block before it").to.be.at.least(before.timestamp);
    } finally {
      await c.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
