// Watch alert latency (reports numbers, asserts nothing): `treasury run`'s watch loop (startWatch,
// the default 30 s interval) on the local world over JSON-RPC (anvil, as `npm start` runs it), alerting
// a local webhook receiver. Events are made at random moments of the interval: a guardian's pause, a
// scheduled Safe change (owners' transaction), a crash of the ETH feed (which also puts the feed 20%
// away from its Uniswap pool). Latency = delivered − the event's block time (chain events) or the poll
// that saw it (polled ones). `npm run bench:watch` writes bench/watch.json. Goal: max < 60 s.
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { createWalletClient, encodeFunctionData, getAddress, http as viemHttp, parseAbi, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { openRuntime } from "../../agent/src/cycle/runtime";
import { startWatch } from "../../agent/src/watch";
import { summarise } from "../../agent/src/watch/latency";
import { safeAbi, treasuryPolicyAbi, aggregatorV3Abi } from "../../lib/chain/abi";
import { buildSafeTx, signSafeTx } from "../../lib/chain/safe";
import { startLocalChain, testKey as key } from "../world/childChain";

const ROOT = path.resolve(__dirname, "..", "..");

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const GOAL_MS = 60_000;
const feedAbi = parseAbi(["function updateAnswer(int256 answer)"]);


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-watch-"));
  const chain = await startLocalChain("benchwatch");
  const hooks: number[] = [];
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => (hooks.push(Date.now()), res.writeHead(204), res.end()));
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const port = (receiver.address() as { port: number }).port;
  try {
    const dep = JSON.parse(fs.readFileSync(chain.file, "utf8"));
    const env = {
      RPC_URL: dep.rpcUrl, DEPLOYMENTS_FILE: chain.file, AGENT_DATA_DIR: path.join(tmp, "agent"), AGENT_PRIVATE_KEY: key(4), LOG_LEVEL: "silent",
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`, ALERT_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString("base64")}`,
    };
    const rt = await openRuntime({ env, journal: "agent" });
    const interval = rt.cfg.watch.intervalSeconds;
    const watcher = startWatch(rt, { agent: privateKeyToAccount(key(4)).address })!;
    const safe = getAddress(dep.treasury.safe) as Address;
    const policy = getAddress(dep.guardrails.policy) as Address;
    const wallet = (k: Hex) => createWalletClient({ account: privateKeyToAccount(k), chain: { ...foundry, id: dep.chainId }, transport: viemHttp(dep.rpcUrl) });
    const client = rt.ctx.client;
    const owners = [privateKeyToAccount(key(1)), privateKeyToAccount(key(2))];
    const ownersTx = async (to: Address, data: Hex) => {
      const nonce = await client.readContract({ address: safe, abi: safeAbi, functionName: "nonce" });
      const tx = buildSafeTx({ to, data }, nonce);
      const sigs = await signSafeTx(owners, safe, dep.chainId, tx);
      const h = await wallet(key(1)).writeContract({ address: safe, abi: safeAbi, functionName: "execTransaction", args: [tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver, sigs] });
      await client.waitForTransactionReceipt({ hash: h });
    };
    const feed = getAddress(dep.feeds.WETH) as Address;
    const [, answer] = await client.readContract({ address: feed, abi: aggregatorV3Abi, functionName: "latestRoundData" });
    const setFeed = async (a: bigint) => client.waitForTransactionReceipt({ hash: await wallet(key(0)).writeContract({ address: feed, abi: feedAbi, functionName: "updateAnswer", args: [a] }) });

    // One kind at a time, at a random moment of the interval, then wait until the watcher delivered it.
    const delivered = () => watcher.state().recent.filter((x) => x.latencyMs !== null).length;
    const fire = async (label: string, make: () => Promise<unknown>, expect: number) => {
      await sleep(Math.random() * interval * 1000);
      const before = delivered();
      await make();
      const t0 = Date.now();
      while (delivered() < before + expect) {
        if (Date.now() - t0 > 5 * interval * 1000) throw new Error(`${label}: not delivered in ${5 * interval} s`);
        await sleep(100);
      }
      console.error(`${label}: delivered`);
    };
    while (watcher.state().ticks < 1) await sleep(100); // the first tick sets the cursor at the head
    // The local world's clock runs ahead of the wall clock (npm start moves chain time): measure by how
    // much, so chain events' latency is counted from the wall-clock moment of their block.
    const probe = await setFeed(answer);
    const clockAheadMs = Number((await client.getBlock({ blockNumber: probe.blockNumber })).timestamp) * 1000 - Date.now();
    for (let i = 0; i < ROUNDS; i++) {
      await fire(`round ${i + 1} pause`, () => wallet(key(7)).writeContract({ address: policy, abi: treasuryPolicyAbi, functionName: "pause" }).then((h) => client.waitForTransactionReceipt({ hash: h })), 1);
      await ownersTx(policy, encodeFunctionData({ abi: treasuryPolicyAbi, functionName: "unpause" }));
      const newOwner = privateKeyToAccount(`0x${randomBytes(32).toString("hex")}` as Hex).address;
      await fire(`round ${i + 1} schedule`, () => ownersTx(policy, encodeFunctionData({ abi: treasuryPolicyAbi, functionName: "schedule", args: [safe, encodeFunctionData({ abi: safeAbi, functionName: "addOwnerWithThreshold", args: [newOwner, 2n] })] })), 1);
      await fire(`round ${i + 1} crash`, () => setFeed((answer * 80n) / 100n), 2); // price.crash + feed.deviation
      await setFeed(answer);
      await sleep(interval * 1000 + 1000); // the restored price is polled: both rules re-arm
    }
    await watcher.stop();
    await rt.close();
    const recent = watcher.state().recent.filter((x) => x.latencyMs !== null);
    const byKind: Record<string, number[]> = {};
    const CHAIN = new Set(["agent.paused", "safe.changeScheduled"]);
    for (const x of recent) (byKind[x.kind] ??= []).push(x.latencyMs! + (CHAIN.has(x.kind) ? clockAheadMs : 0));
    const out = {
      what: "watch alert latency on the local world (anvil over JSON-RPC): delivered to a local webhook − the event's block time (chain logs) or the poll that saw it (polled conditions); events made at random moments of the interval",
      intervalSeconds: interval,
      rounds: ROUNDS,
      machine: `${os.cpus().length} cores, Node ${process.versions.node}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`,
      goalMaxMs: GOAL_MS,
      clockAheadMs,
      note: "chain events: delivered − block time + clockAheadMs (the local chain's clock minus the wall clock, measured once; block times are whole seconds, so ±1 s)",
      latency: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, summarise(v)])),
      webhookDeliveries: hooks.length,
    };
    fs.mkdirSync(path.join(ROOT, "bench"), { recursive: true });
    fs.writeFileSync(path.join(ROOT, "bench", "watch.json"), JSON.stringify(out, null, 2) + "\n");
    console.log(JSON.stringify(out, null, 2));
  } finally {
    receiver.close();
    await chain.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
