// Indexer benchmark (a benchmark, not a test): `npm run bench:indexer` writes bench/indexer.json.
// On one local chain: a simulated year of treasury history (every day an owner batch through the
// guard and an agent batch through the module, then a day of time so Aave and vault yield accrue,
// with the feeds re-posted), then 40 empty blocks so the whole history is finalized (backfill only).
// Then, on a fresh database each: the indexer (indexer/) and a bare Ponder app with the same sources
// and no reads or receipts (indexer/bench/bare). Sync time = Ponder's "Started backfill indexing" to
// "Completed backfill indexing" log lines; events = the sum of its "Indexed block range" counts.
//   BENCH_DAYS (default 365), BENCH_RUNS (default 1: each app once, bare first)
import fs from "node:fs";
import path from "node:path";
import { Interface, id, parseUnits } from "ethers";
import { advanceTime, executeSafeTx } from "../world";
import { AgentModule__factory } from "../../typechain-types";
import { INDEXER_DIR, startIndexer, startLocalChain, tmpDir } from "../../test/helpers/indexer";

const ROOT = path.resolve(__dirname, "..", "..");
const DAY = 86_400;
const ERC20 = new Interface(["function approve(address,uint256)", "function transfer(address,uint256)"]);
const AAVE = new Interface(["function supply(address,uint256,address,uint16)"]);
const VAULT = new Interface(["function deposit(uint256,address)"]);

interface Result {
  events: number;
  seconds: number;
  eventsPerSec: number;
}

function parseSync(output: string): Result {
  let start: number | undefined;
  let end: number | undefined;
  let events = 0;
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    const l = JSON.parse(line) as { msg?: string; time?: number; event_count?: number };
    if (l.msg === "Started backfill indexing" && start === undefined) start = l.time;
    if (l.msg === "Completed backfill indexing across all chains") end = l.time;
    if (l.msg === "Indexed block range") events += l.event_count ?? 0;
  }
  if (start === undefined || end === undefined) throw new Error(`no backfill timing in the log:\n${output.slice(-2000)}`);
  const seconds = (end - start) / 1000;
  return { events, seconds, eventsPerSec: Math.round(events / seconds) };
}

async function main() {
  const days = Number(process.env.BENCH_DAYS ?? 365);
  const runs = Number(process.env.BENCH_RUNS ?? 1);
  const dir = tmpDir("indexer-bench-");
  const chain = await startLocalChain(dir, "bench");
  try {
    const w = chain.world;
    const safe = w.treasury.safe;
    const owners = w.signers.owners.slice(0, 2);
    const module = AgentModule__factory.connect(chain.guardrails.module, w.signers.agent);
    const policy = chain.guardrails.policy;
    const recordDecision = new Interface(["function recordDecision(bytes32)"]);
    const t0 = Date.now();
    const usdc = parseUnits("100", 6);
    const dai = parseUnits("100", 18);
    for (let d = 0; d < days; d++) {
      await executeSafeTx({
        safe, owners, infra: w.safe, label: `day ${d} owner`,
        tx: [
          { to: policy, data: recordDecision.encodeFunctionData("recordDecision", [id(`owner ${d}`)]) },
          { to: w.tokens.USDC, data: ERC20.encodeFunctionData("approve", [w.aave.pool, usdc]) },
          { to: w.aave.pool, data: AAVE.encodeFunctionData("supply", [w.tokens.USDC, usdc, safe, 0]) },
        ],
      });
      await (await module.execute([
        { to: w.tokens.DAI, value: 0n, data: ERC20.encodeFunctionData("approve", [w.erc4626.sDAI, dai]) },
        { to: w.erc4626.sDAI, value: 0n, data: VAULT.encodeFunctionData("deposit", [dai, safe]) },
      ], id(`agent ${d}`))).wait();
      await advanceTime(w, DAY);
      if (d % 50 === 49) console.log(`[bench] simulated ${d + 1} days (${Math.round((Date.now() - t0) / 1000)} s)`);
    }
    await chain.rpc("anvil_mine", ["0x28"]); // 40 blocks: everything is finalized (Ponder: 30 on 31337)
    const head = await chain.provider.getBlockNumber();
    console.log(`[bench] ${days} days simulated in ${Math.round((Date.now() - t0) / 1000)} s, head ${head}`);

    const measure = async (name: string, appDir: string, readyPath: string): Promise<Result> => {
      const ix = await startIndexer({ DEPLOYMENTS_FILE: chain.file, PONDER_PGLITE_DIR: tmpDir(`indexer-bench-${name}-`) }, appDir);
      try {
        const wall = await ix.waitCaughtUp(1_800_000, readyPath);
        const r = parseSync(ix.output());
        console.log(`[bench] ${name}: ${r.events} events, backfill ${r.seconds} s, ${r.eventsPerSec} events/s (start to ready ${Math.round(wall / 100) / 10} s)`);
        return r;
      } finally {
        await ix.stop();
      }
    };
    const best = (a: Result | undefined, b: Result) => (!a || b.eventsPerSec > a.eventsPerSec ? b : a);
    let app: Result | undefined;
    let bare: Result | undefined;
    for (let i = 0; i < runs; i++) {
      bare = best(bare, await measure("bare", path.join(INDEXER_DIR, "bench", "bare"), "/ready"));
      app = best(app, await measure("app", INDEXER_DIR, "/caught-up"));
    }
    const out = {
      app,
      bare,
      ratio: Math.round((app!.eventsPerSec / bare!.eventsPerSec) * 100) / 100,
      chain: { days, blocks: head, runs, node: process.version, cpus: (await import("node:os")).cpus().length },
    };
    fs.mkdirSync(path.join(ROOT, "bench"), { recursive: true });
    fs.writeFileSync(path.join(ROOT, "bench", "indexer.json"), JSON.stringify(out, null, 2) + "\n");
    console.log(JSON.stringify(out));
  } finally {
    await chain.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
