// The soak's world: the local chain with the treasury and its guardrails (as `npm start -- --no-replay`),
// the local Safe Transaction Service and CoW order book, the market APIs, the Messages API and the
// alert channels' stand-ins, a scratch PostgreSQL for the journal, and a fault proxy in front of
// every service the agent talks to. Returns the agent's environment and a stop for everything.
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { Address, Hex } from "viem";
import { freePort, stopChildren } from "../processes";
import { startLocalServices } from "../local-agent";
import { startSoakChain, type SoakChain } from "./chain";
import { startPostgres, type ScratchPostgres } from "../scratchPostgres";
import { startFaultProxy, type FaultProxy } from "./faultProxy";
import { keyOf } from "./owners";
import { startStub as startMarketStub, baseUrls } from "../standins/marketApis";
import { MessagesStub } from "../standins/messagesApi";
import { startTelegramStub, startWebhookReceiver, type WebhookReceiver, type TelegramStub } from "../standins/alertServers";
import { todayDay } from "../../agent/src/market/calendar";

const AGENT_INDEX = 4;
const TELEGRAM_TOKEN = "7012345678:AAsoak-local-token-not-a-secret";
const TELEGRAM_CHAT = "-1001234567890";

export interface SoakWorld {
  chain: SoakChain;
  pg: ScratchPostgres;
  proxies: { rpc: FaultProxy; market: FaultProxy; messages: FaultProxy; txService: FaultProxy; webhook: FaultProxy; telegram: FaultProxy };
  webhook: WebhookReceiver;
  telegram: TelegramStub;
  /** Real ms each webhook delivery arrived (the receiver keeps order; this keeps time). */
  webhookTimes: number[];
  txServiceUrl: string;
  safe: Address;
  policy: Address;
  module: Address;
  agentAddress: Address;
  deploymentsFile: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function startSoakWorld(o: { log: (s: string) => void; alertDedupSeconds: number; watchIntervalSeconds: number; marketCacheSeconds?: number }): Promise<SoakWorld> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "treasury-soak-"));
  const children: ChildProcess[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    await stopChildren(children);
    for (const c of closers.reverse()) await c().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    o.log("chain: anvil + the treasury world and its guardrails ...");
    const chain = await startSoakChain(await freePort(), path.join(dir, "anvil-state.json"));
    closers.push(() => chain.stop());
    // Loaded only now: the guardrails need the compiled artifacts' types.
    const { attachLocalGuardrails, GUARDED_TREASURY_USD } = await import("../guardrails/local");
    const { deployWorldToRpc } = await import("../deploy-world");
    const { json, file } = await deployWorldToRpc({
      rpcUrl: chain.url, network: "soak", outDir: dir,
      extensions: [async (world, signers) => ({ ...(await attachLocalGuardrails(world, { guardian: signers[7], payee: signers[8] })).addresses })],
      worldOptions: { treasuryUsd: GUARDED_TREASURY_USD },
    });
    o.log("services: tx service, CoW order book, market APIs, Messages API, alert channels, PostgreSQL ...");
    const { txServiceUrl, orderBookUrl } = await startLocalServices({ rpcUrl: chain.url, deploymentsFile: file }, children);
    const market = await startMarketStub(todayDay());
    closers.push(() => market.close());
    const messages = await new MessagesStub().start();
    messages.reply({ kind: "tool", input: { decision: "approve", reasons: ["within limits"], risk_flags: [], confidence: 0.9, modified_steps: [] } });
    closers.push(() => messages.stop());
    const secret = `whsec_${randomBytes(24).toString("base64")}`;
    const webhook = await startWebhookReceiver(secret);
    closers.push(() => webhook.close());
    const webhookTimes: number[] = [];
    const push = webhook.received.push.bind(webhook.received);
    webhook.received.push = (...xs) => (xs.forEach(() => webhookTimes.push(Date.now())), push(...xs));
    const telegram = await startTelegramStub({ token: TELEGRAM_TOKEN, chats: [TELEGRAM_CHAT] });
    closers.push(() => telegram.close());
    const pg = await startPostgres();
    closers.push(() => pg.stop());
    const proxies = {
      rpc: await startFaultProxy(chain.url),
      market: await startFaultProxy(market.url),
      messages: await startFaultProxy(messages.url),
      txService: await startFaultProxy(txServiceUrl),
      webhook: await startFaultProxy(webhook.origin),
      telegram: await startFaultProxy(telegram.origin),
    };
    for (const p of Object.values(proxies)) closers.push(() => p.close());
    const m = baseUrls(proxies.market.url);
    const g = json.guardrails as Record<string, string>;
    const env: NodeJS.ProcessEnv = {
      RPC_URL: proxies.rpc.url,
      DEPLOYMENTS_FILE: file,
      AGENT_PRIVATE_KEY: keyOf(AGENT_INDEX),
      SAFE_TX_SERVICE_URL: proxies.txService.url,
      COW_API_URL: orderBookUrl,
      AGENT_DATA_DIR: path.join(dir, "agent"),
      DATABASE_URL: pg.url,
      AGENT_SLIPPAGE_BPS: "100",
      MARKET_SOURCE: "live",
      MARKET_COINGECKO_URL: m.coingecko,
      MARKET_ALTERNATIVE_URL: m.alternative,
      MARKET_BINANCE_URL: m.binance,
      MARKET_BYBIT_URL: m.bybit,
      MARKET_COINMETRICS_URL: m.coinmetrics,
      MARKET_BGEOMETRICS_URL: m.bgeometrics,
      MARKET_DERIBIT_URL: m.deribit,
      // The market cache (10 min for a daily cycle) compressed with the day: each cycle asks the
      // sources again, as each daily cycle does, so a market fault is met, not hidden by the cache.
      ...(o.marketCacheSeconds !== undefined ? { MARKET_CACHE_TTL_SECONDS: String(o.marketCacheSeconds) } : {}),
      ANTHROPIC_API_KEY: "sk-ant-soak-local-stub",
      ANTHROPIC_MODEL: "claude-soak-stub",
      ANTHROPIC_BASE_URL: proxies.messages.url,
      ANTHROPIC_TIMEOUT_MS: "5000",
      ALERT_WEBHOOK_URL: `${proxies.webhook.url}/hooks/treasury`,
      ALERT_WEBHOOK_SECRET: secret,
      TELEGRAM_CHAT_ID: TELEGRAM_CHAT,
      TELEGRAM_API_URL: proxies.telegram.url,
      TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
      ALERT_DEDUP_SECONDS: String(o.alertDedupSeconds),
      // The watch loop (when this agent has one): every 30 simulated seconds, at least 1 real second.
      WATCH_INTERVAL_SECONDS: String(o.watchIntervalSeconds),
      LOG_LEVEL: "info",
    };
    return {
      chain, pg, proxies, webhook, telegram, webhookTimes, txServiceUrl,
      safe: json.treasury!.safe as Address, policy: g.policy as Address, module: g.module as Address,
      agentAddress: (await import("viem/accounts")).privateKeyToAccount(keyOf(AGENT_INDEX) as Hex).address,
      deploymentsFile: file, dataDir: dir, env, stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
