// The whole local system for a replay, up and wired: anvil whose genesis is the day before the
// window, the world priced at that day's close with mainnet-deep pools, the guardrails, the local
// Safe Transaction Service and CoW order book, the indexer following the chain, and the agent's
// runtime (and server) in this process. `stop()` ends all of it; nothing is left listening.
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../../agent/src/errors";
import { checkWindow } from "../../agent/src/backtest/run";
import { loadHistory } from "../../agent/src/market/replay";
import type { MarketHistory } from "../../agent/src/market/types";
import { TEST_MNEMONIC } from "../world/rpc";
import type { World } from "../world";
import { freePort, killGroup, startAnvil, stopAnvil, stopChildren, waitForChainId } from "../processes";
import { agentDataDir, startLocalServices } from "../local-agent";
import { openAgent, type AgentSession } from "./driver";
import { startIndexerProcess, type IndexerProcess } from "./indexer";
import { deepenPool, prepareArbitrage, REPLAY_POOL_DEPTH_USD } from "./world";

const ROOT = path.resolve(__dirname, "..", "..");
const DAY = 86_400;
const GUARDIAN_INDEX = 7;
const PAYEE_INDEX = 8;

/**
 * The guarded treasury's $400k with its stablecoins in USDC: the planner has no route for DAI (no
 * DAI pool, no DAI leg in the strategy's sleeves), so DAI would sit idle outside every target while
 * the backtest's cash is USDC. 30% volatile at the start, as the guarded world.
 */
export const REPLAY_TREASURY_USD = { USDC: 280_000, DAI: 0, WETH: 70_000, WBTC: 50_000 };

export interface Window {
  history: MarketHistory;
  fromDay: number;
  toDay: number;
}

/** The replay window checked against the data: a UserError naming the fix otherwise. */
export function replayWindow(from: string, to: string, dataDir?: string): Window {
  const history = loadHistory(dataDir);
  const { fromDay, toDay } = checkWindow(history, from, to);
  return { history, fromDay, toDay };
}

/** A UserError when `port` on `host` is taken (before anything is started). */
/** Bad input: `port` is taken (another anvil, an earlier npm start, any service). */
export const portInUseError = (host: string, port: number, flag: string) =>
  new UserError(`port ${port} on ${host} is in use (an earlier npm start, anvil or another service): stop it, pick another with ${flag}, or leave ${flag} out for a free one`);

export async function assertPortFree(host: string, port: number, flag: string): Promise<void> {
  const net = await import("node:net");
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", () => reject(portInUseError(host, port, flag)));
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

export interface SystemOptions {
  window: Window;
  host?: string;
  port?: number;
  network?: string;
  outDir?: string;
  instance: string;
  server: boolean;
  indexer: boolean;
  intervalSeconds?: number;
  verbose?: boolean;
  log?: (s: string) => void;
  say?: (s: string) => void;
  /** Told the anvil process as soon as it runs (a signal during the setup must reach it). */
  onAnvil?: (anvil: ChildProcess) => void;
  /** GET /api/replay on the agent's server. */
  replay?: () => Promise<unknown>;
  /** Extra environment for the agent's runtime (e.g. AGENT_CONFIG), over this process's. */
  agentEnv?: NodeJS.ProcessEnv;
}

export interface System {
  rpcUrl: string;
  world: World;
  deploymentsFile: string;
  txServiceUrl: string;
  orderBookUrl: string;
  indexer?: IndexerProcess;
  agent: AgentSession;
  dataDir: string;
  initialUsd: { usdc: number; btc: number; eth: number };
  anvil: ChildProcess;
  children: ChildProcess[];
  stop(): Promise<void>;
}

/** Start everything; on a failure what was started is stopped before the error is thrown. */
export async function startSystem(o: SystemOptions, children: ChildProcess[] = []): Promise<System> {
  const logTo = o.log ?? (() => {});
  // Each setup step says how long the previous one took (where the setup's time goes).
  let tStep = performance.now();
  const log = (s: string) => {
    const now = performance.now();
    logTo(`${s} (previous step ${Math.round(now - tStep)} ms)`);
    tStep = now;
  };
  const host = o.host ?? "127.0.0.1";
  const port = o.port ?? (await freePort(host));
  const { history, fromDay, toDay } = o.window;
  const i0 = fromDay - 1 - history.startDay;
  const prices = { USDC: 1, DAI: 1, WETH: history.series.eth[i0], WBTC: history.series.btc[i0] };
  if (!(prices.WETH > 0 && prices.WBTC > 0)) throw new UserError(`no BTC/ETH close on the day before the window; pick a --from with data the day before`);
  // Genesis at the start of the day before the window: the world is deployed then, day 1 follows.
  const anvil = await startAnvil({ host, port, mnemonic: TEST_MNEMONIC, verbose: o.verbose, timestamp: (fromDay - 1) * DAY });
  o.onAnvil?.(anvil);
  let agent: AgentSession | undefined;
  let world: World | undefined;
  const stop = async () => {
    await agent?.close().catch(() => undefined);
    world?.provider.destroy();
    await stopChildren(children);
    await stopAnvil(anvil);
  };
  try {
    const rpcUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    await waitForChainId(rpcUrl);
    const { attachLocalGuardrails } = await import("../guardrails/local");
    const { deployWorldToRpc } = await import("../deploy-world");
    log("deploying the world priced at the day before the window ...");
    const deployed = await deployWorldToRpc({
      rpcUrl,
      network: o.network ?? "local",
      outDir: o.outDir,
      keepProvider: true,
      extensions: [async (w, signers) => ({ ...(await attachLocalGuardrails(w, { guardian: signers[GUARDIAN_INDEX], payee: signers[PAYEE_INDEX] })).addresses })],
      // The PT must not mature inside the window (its pull to par is part of the yield).
      worldOptions: { treasuryUsd: REPLAY_TREASURY_USD, prices, pendleDays: toDay - fromDay + 120 },
      log: o.verbose ? log : undefined,
    });
    world = deployed.world;
    log(`deepening the Uniswap pools to $${REPLAY_POOL_DEPTH_USD / 1e6}M a side ...`);
    await deepenPool(world, "WETH_USDC", REPLAY_POOL_DEPTH_USD);
    await deepenPool(world, "WBTC_USDC", REPLAY_POOL_DEPTH_USD);
    await prepareArbitrage(world);
    log("starting the local Safe Transaction Service and CoW order book ...");
    const services = await startLocalServices({ rpcUrl, deploymentsFile: deployed.file }, children);
    const dataDir = agentDataDir(o.instance);
    fs.mkdirSync(dataDir, { recursive: true });
    let indexer: IndexerProcess | undefined;
    if (o.indexer) {
      log("starting the indexer (Ponder on embedded PGlite) ...");
      indexer = await startIndexerProcess({ deploymentsFile: deployed.file, pgliteDir: path.join(dataDir, "indexer") }, children);
    }
    agent = await openAgent({ rpcUrl, deploymentsFile: deployed.file, txServiceUrl: services.txServiceUrl, orderBookUrl: services.orderBookUrl, dataDir, history, server: o.server, intervalSeconds: o.intervalSeconds ?? 3600, say: o.say, replay: o.replay, indexerUrl: indexer?.url, env: o.agentEnv });
    const t = REPLAY_TREASURY_USD;
    return {
      rpcUrl,
      world,
      deploymentsFile: deployed.file,
      ...services,
      indexer,
      agent,
      dataDir,
      initialUsd: { usdc: t.USDC + t.DAI, btc: t.WBTC, eth: t.WETH },
      anvil,
      children,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Last resort on exit: nothing started here may outlive this process. */
export function killAll(s: { anvil?: ChildProcess; children: ChildProcess[] }): void {
  for (const c of s.children) if (c.exitCode === null) c.kill("SIGKILL");
  if (s.anvil && s.anvil.exitCode === null) killGroup(s.anvil, "SIGKILL");
}

export { ROOT };
