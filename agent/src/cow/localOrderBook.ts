// A CoW-Order-Book-compatible HTTP server for a local chain: POST /api/v1/quote, POST /api/v1/orders
// and GET /api/v1/orders/{uid} with the real API's shapes, status codes and `{errorType, description}`
// error bodies (@cowprotocol/sdk-order-book 4.0.2 types: OrderQuoteResponse, OrderPostError,
// PriceEstimationError, Order). Only what the treasury uses is served: sell orders, pre-signed,
// ERC-20 balances. Quotes price at the chain's own feeds less `spreadBps` and a network fee; order
// status is read from GPv2Settlement (preSignature, filledAmount) and the block time. Filling is a
// solver's job: `settleOpen(solve)` hands every open order to a solver function (the local stack and
// the tests pass the local world's solver), as CoW's autopilot hands auctions to solvers.
import { z } from "zod";
import { createPublicClient, getAddress, http as viemHttp, isAddress, isHex, type Address, type Hex, type PublicClient } from "viem";
import { aggregatorV3Abi, erc20Abi, gpv2SettlementAbi } from "../../../lib/chain/abi";
import { cowOrderUid, type CowOrder } from "../../../lib/chain/cow";
import type { Deployment } from "../../../lib/chain/deployments";
import type { CowOrderStatus } from "./api";
import { listenLocal, localHttpServer } from "../localServer";

export interface LocalOrderBookOptions {
  /** JSON-RPC of the chain, or a viem client for it (tests: Hardhat's in-process network). */
  rpcUrl?: string;
  client?: PublicClient;
  /** Tokens, feeds and `cow.settlement` of the local chain. */
  deployment: Pick<Deployment, "tokens" | "feeds" | "cow">;
  /** Quoted price = oracle price less this (the local market's spread). Default 5. */
  spreadBps?: number;
  /** Network-fee estimate a quote deducts from the sell amount, in USD. Default 1. */
  networkFeeUsd?: number;
  /** Longest validity accepted for an order, seconds. Default 3 h. */
  maxValiditySeconds?: number;
  host?: string;
  /** 0 (default) = a free port. */
  port?: number;
  log?: (line: string) => void;
}

export interface StoredCowOrder {
  uid: Hex;
  owner: Address;
  order: CowOrder;
  creationDate: string;
  quoteId: number | null;
}

interface Answer {
  status: number;
  body?: unknown;
  /** Send `body` as text, not JSON (framework-level rejections). */
  text?: boolean;
}

const json = (status: number, body?: unknown): Answer => ({ status, body });
const apiError = (status: number, errorType: string, description: string, extra: Record<string, unknown> = {}): Answer => json(status, { errorType, description, ...extra });
const ZERO = "0x0000000000000000000000000000000000000000";

const address = z.string().refine((a) => isAddress(a, { strict: false }), "invalid address").transform((a) => getAddress(a) as Address);
const amount = z.string().regex(/^[0-9]+$/, "invalid number").transform((x) => BigInt(x));
const bytes32 = z.string().refine((h) => isHex(h) && h.length === 66, "invalid 32-byte hex");

const QuoteRequestSchema = z.looseObject({
  sellToken: address,
  buyToken: address,
  receiver: address.nullish(),
  appData: z.string().optional(),
  sellTokenBalance: z.enum(["erc20", "internal", "external"]).default("erc20"),
  buyTokenBalance: z.enum(["erc20", "internal"]).default("erc20"),
  from: address,
  priceQuality: z.enum(["fast", "optimal", "verified"]).optional(),
  signingScheme: z.enum(["eip712", "ethsign", "presign", "eip1271"]).default("eip712"),
  kind: z.enum(["sell", "buy"]),
  sellAmountBeforeFee: amount.optional(),
  sellAmountAfterFee: amount.optional(),
  buyAmountAfterFee: amount.optional(),
  validTo: z.number().int().nonnegative().optional(),
  validFor: z.number().int().nonnegative().optional(),
});

const OrderCreationSchema = z.looseObject({
  sellToken: address,
  buyToken: address,
  receiver: address.nullish(),
  sellAmount: amount,
  buyAmount: amount,
  validTo: z.number().int().nonnegative().max(2 ** 32 - 1),
  feeAmount: amount,
  kind: z.enum(["sell", "buy"]),
  partiallyFillable: z.boolean(),
  sellTokenBalance: z.enum(["erc20", "internal", "external"]).default("erc20"),
  buyTokenBalance: z.enum(["erc20", "internal"]).default("erc20"),
  signingScheme: z.enum(["eip712", "ethsign", "presign", "eip1271"]),
  signature: z.string(),
  from: address.nullish(),
  quoteId: z.number().int().nullish(),
  appData: z.string(),
  appDataHash: bytes32.nullish(),
});

export class LocalOrderBookApp {
  readonly client: PublicClient;
  readonly orders = new Map<Hex, StoredCowOrder>();
  private readonly quotes = new Map<number, { sellToken: Address; buyToken: Address }>();
  private nextQuoteId = 1;
  private readonly settlement: Address;
  private readonly feeds = new Map<string, Address>();

  constructor(private readonly o: LocalOrderBookOptions) {
    if (!o.client && !o.rpcUrl) throw new Error("local order book: rpcUrl or client is required");
    this.client = o.client ?? createPublicClient({ transport: viemHttp(o.rpcUrl) });
    if (!o.deployment.cow) throw new Error("local order book: the deployment has no `cow` (GPv2Settlement) key");
    this.settlement = getAddress(o.deployment.cow.settlement);
    for (const [sym, token] of Object.entries(o.deployment.tokens)) {
      const feed = (o.deployment.feeds as Record<string, string>)[sym];
      if (feed) this.feeds.set(token.toLowerCase(), getAddress(feed));
    }
  }

  /** USD price (18 decimals) and decimals of a token the local market knows; undefined otherwise. */
  private async priceOf(token: Address): Promise<{ usd: bigint; decimals: number } | undefined> {
    const feed = this.feeds.get(token.toLowerCase());
    if (!feed) return undefined;
    const [[, answer], feedDecimals, decimals] = await Promise.all([
      this.client.readContract({ address: feed, abi: aggregatorV3Abi, functionName: "latestRoundData" }),
      this.client.readContract({ address: feed, abi: aggregatorV3Abi, functionName: "decimals" }),
      this.client.readContract({ address: token, abi: erc20Abi, functionName: "decimals" }),
    ]);
    return { usd: BigInt(answer) * 10n ** BigInt(18 - Number(feedDecimals)), decimals: Number(decimals) };
  }

  private async now(): Promise<number> {
    return Number((await this.client.getBlock()).timestamp);
  }

  async route(method: string, path: string, body: unknown): Promise<Answer> {
    const p = path.replace(/\/+$/, "");
    if (method === "POST" && p === "/api/v1/quote") return this.quote(body);
    if (method === "POST" && p === "/api/v1/orders") return this.createOrder(body);
    const m = /^\/api\/v1\/orders\/([^/]+)$/.exec(p);
    if (method === "GET" && m) return this.getOrder(m[1]);
    if (method === "GET" && p === "/api/v1/version") return { status: 200, body: "local", text: true };
    return { status: 404, body: "", text: true };
  }

  private async quote(raw: unknown): Promise<Answer> {
    const r = QuoteRequestSchema.safeParse(raw);
    if (!r.success) return unprocessable(r.error);
    const q = r.data;
    if (q.kind !== "sell" || q.sellAmountBeforeFee === undefined) return apiError(400, "UnsupportedOrderType", "the local order book quotes sell orders with sellAmountBeforeFee only");
    if (q.sellToken === q.buyToken) return apiError(400, "SameBuyAndSellToken", "Buy token is the same as the sell token.");
    if (q.sellTokenBalance !== "erc20" || q.buyTokenBalance !== "erc20") return apiError(400, "UnsupportedOrderType", "only ERC-20 balances");
    if (q.sellAmountBeforeFee === 0n) return apiError(400, "ZeroAmount", "Buy or sell amount is zero.");
    const [sell, buy] = await Promise.all([this.priceOf(q.sellToken), this.priceOf(q.buyToken)]);
    if (!sell) return apiError(400, "UnsupportedToken", `Token ${q.sellToken} is unsupported`);
    if (!buy) return apiError(400, "UnsupportedToken", `Token ${q.buyToken} is unsupported`);
    if (sell.usd <= 0n || buy.usd <= 0n) return apiError(404, "NoLiquidity", "no route found");
    const feeUsd = BigInt(Math.round((this.o.networkFeeUsd ?? 1) * 1e6)) * 10n ** 12n;
    const fee = (feeUsd * 10n ** BigInt(sell.decimals) + sell.usd - 1n) / sell.usd;
    if (fee >= q.sellAmountBeforeFee) return apiError(400, "SellAmountDoesNotCoverFee", "The sell amount for the sell order is lower than the fee.", { data: { fee_amount: fee.toString() } });
    const sellAmount = q.sellAmountBeforeFee - fee;
    const fair = (sellAmount * sell.usd * 10n ** BigInt(buy.decimals)) / (buy.usd * 10n ** BigInt(sell.decimals));
    const buyAmount = (fair * BigInt(10_000 - (this.o.spreadBps ?? 5))) / 10_000n;
    if (buyAmount === 0n) return apiError(404, "NoLiquidity", "no route found");
    const now = await this.now();
    const id = this.nextQuoteId++;
    this.quotes.set(id, { sellToken: q.sellToken, buyToken: q.buyToken });
    const gasPrice = await this.client.getGasPrice();
    return json(200, {
      quote: {
        sellToken: q.sellToken,
        buyToken: q.buyToken,
        receiver: q.receiver ?? null,
        sellAmount: sellAmount.toString(),
        buyAmount: buyAmount.toString(),
        validTo: q.validTo ?? now + (q.validFor ?? 1800),
        appData: q.appData ?? `0x${"00".repeat(32)}`,
        feeAmount: fee.toString(),
        kind: "sell",
        partiallyFillable: false,
        sellTokenBalance: "erc20",
        buyTokenBalance: "erc20",
        signingScheme: q.signingScheme,
        gasAmount: "150000",
        gasPrice: gasPrice.toString(),
        sellTokenPrice: "0",
      },
      from: q.from,
      expiration: new Date((now + 60) * 1000).toISOString(),
      id,
      verified: true,
    });
  }

  private async createOrder(raw: unknown): Promise<Answer> {
    const r = OrderCreationSchema.safeParse(raw);
    if (!r.success) return unprocessable(r.error);
    const b = r.data;
    if (b.signingScheme !== "presign") return apiError(400, "IncompatibleSigningScheme", "the local order book takes pre-signed orders only (signingScheme \"presign\")");
    if (!b.from) return apiError(400, "MissingFrom", "From address must be specified for on-chain signature");
    if (b.signature !== "0x") return apiError(400, "InvalidSignature", "a pre-signature is empty (\"0x\")");
    if (b.sellTokenBalance !== "erc20") return apiError(400, "UnsupportedSellTokenSource", `Type of sell token source ${b.sellTokenBalance} is unsupported`);
    if (b.buyTokenBalance !== "erc20") return apiError(400, "UnsupportedBuyTokenDestination", `Type of buy token destination ${b.buyTokenBalance} is unsupported`);
    if (b.kind !== "sell") return apiError(400, "UnsupportedOrderType", "the local order book takes sell orders only");
    if (b.sellToken === b.buyToken) return apiError(400, "SameBuyAndSellToken", "Buy token is the same as the sell token.");
    if (b.sellAmount === 0n || b.buyAmount === 0n) return apiError(400, "ZeroAmount", "Buy or sell amount is zero.");
    if (b.feeAmount !== 0n) return apiError(400, "NonZeroFee", "Fee must be zero");
    for (const t of [b.sellToken, b.buyToken]) if (!this.feeds.has(t.toLowerCase())) return apiError(400, "UnsupportedToken", `Token ${t} is unsupported`);
    if (!isHex(b.appData) || b.appData.length !== 66) return apiError(400, "InvalidAppData", "appData must be a 32-byte hash here");
    if (b.quoteId != null && !this.quotes.has(b.quoteId)) return apiError(404, "QuoteNotFound", "could not find quote with the specified ID");
    const now = await this.now();
    if (b.validTo < now + 60) return apiError(400, "InsufficientValidTo", "validTo is not far enough in the future");
    if (b.validTo > now + (this.o.maxValiditySeconds ?? 3 * 3600)) return apiError(400, "ExcessiveValidTo", "validTo is too far into the future");
    const order: CowOrder = {
      sellToken: b.sellToken,
      buyToken: b.buyToken,
      receiver: b.receiver ?? ZERO,
      sellAmount: b.sellAmount,
      buyAmount: b.buyAmount,
      validTo: b.validTo,
      appData: b.appData as Hex,
      feeAmount: 0n,
      kind: "sell",
      partiallyFillable: b.partiallyFillable,
      sellTokenBalance: "erc20",
      buyTokenBalance: "erc20",
    };
    const chainId = await this.client.getChainId();
    const uid = cowOrderUid(order, b.from, chainId, this.settlement);
    if (this.orders.has(uid)) return apiError(400, "DuplicatedOrder", "order already exists");
    this.orders.set(uid, { uid, owner: b.from, order, creationDate: new Date(now * 1000).toISOString(), quoteId: b.quoteId ?? null });
    return json(201, uid);
  }

  /** An order's status as the chain shows it now. */
  async statusOf(s: StoredCowOrder): Promise<{ status: CowOrderStatus; filled: bigint; invalidated: boolean }> {
    const [presigned, filled, now] = await Promise.all([
      this.client.readContract({ address: this.settlement, abi: gpv2SettlementAbi, functionName: "preSignature", args: [s.uid] }),
      this.client.readContract({ address: this.settlement, abi: gpv2SettlementAbi, functionName: "filledAmount", args: [s.uid] }),
      this.now(),
    ]);
    const invalidated = filled === 2n ** 256n - 1n;
    if (invalidated) return { status: "cancelled", filled: 0n, invalidated };
    if (filled >= s.order.sellAmount) return { status: "fulfilled", filled, invalidated };
    if (s.order.validTo < now) return { status: "expired", filled, invalidated };
    return { status: presigned === 0n ? "presignaturePending" : "open", filled, invalidated };
  }

  private async getOrder(uidText: string): Promise<Answer> {
    if (!/^0x[0-9a-fA-F]{112}$/.test(uidText)) return { status: 400, body: `Invalid URL: Cannot parse \`${uidText}\` to an order uid`, text: true };
    const s = this.orders.get(uidText.toLowerCase() as Hex);
    if (!s) return apiError(404, "NotFound", "Order was not found");
    const { status, filled, invalidated } = await this.statusOf(s);
    const o = s.order;
    const executedBuy = status === "fulfilled" ? await this.executedBuy(s) : 0n;
    return json(200, {
      sellToken: o.sellToken,
      buyToken: o.buyToken,
      receiver: o.receiver === ZERO ? null : o.receiver,
      sellAmount: o.sellAmount.toString(),
      buyAmount: o.buyAmount.toString(),
      validTo: o.validTo,
      appData: o.appData,
      feeAmount: "0",
      kind: o.kind,
      partiallyFillable: o.partiallyFillable,
      sellTokenBalance: o.sellTokenBalance,
      buyTokenBalance: o.buyTokenBalance,
      signingScheme: "presign",
      signature: "0x",
      from: s.owner,
      quoteId: s.quoteId,
      creationDate: s.creationDate,
      class: "market",
      owner: s.owner,
      uid: s.uid,
      executedSellAmount: filled.toString(),
      executedSellAmountBeforeFees: filled.toString(),
      executedBuyAmount: executedBuy.toString(),
      executedFeeAmount: "0",
      invalidated,
      status,
      settlementContract: this.settlement,
    });
  }

  /** The buy amount of the order's Trade event (0 when it cannot be found). */
  private async executedBuy(s: StoredCowOrder): Promise<bigint> {
    const logs = await this.client.getContractEvents({ address: this.settlement, abi: gpv2SettlementAbi, eventName: "Trade", args: { owner: s.owner }, fromBlock: 0n });
    return logs.filter((l) => (l.args.orderUid ?? "").toLowerCase() === s.uid).reduce((sum, l) => sum + (l.args.buyAmount ?? 0n), 0n);
  }

  /** Hands every open (pre-signed, unfilled, unexpired) order to `solve`; returns the uids solved. A failed solve leaves the order open. */
  async settleOpen(solve: (s: StoredCowOrder) => Promise<unknown>, log: (line: string) => void = () => {}): Promise<Hex[]> {
    const done: Hex[] = [];
    for (const s of this.orders.values()) {
      if ((await this.statusOf(s)).status !== "open") continue;
      try {
        await solve(s);
        done.push(s.uid);
      } catch (err) {
        log(`solver: order ${s.uid.slice(0, 10)}… not settled: ${(err as Error).message.split("\n")[0]}`);
      }
    }
    return done;
  }
}

function unprocessable(e: z.ZodError): Answer {
  // What the service's framework answers for a body that does not deserialize (plain text).
  return { status: 422, body: `Failed to deserialize the JSON body into the target type: ${e.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`, text: true };
}

export interface LocalOrderBook {
  /** Base URL for CowOrderBook (e.g. http://127.0.0.1:41234). */
  url: string;
  port: number;
  app: LocalOrderBookApp;
  close(): Promise<void>;
}

export async function startLocalOrderBook(opts: LocalOrderBookOptions): Promise<LocalOrderBook> {
  const app = new LocalOrderBookApp(opts);
  const log = opts.log ?? (() => {});
  const server = localHttpServer(async (req, res, url, raw) => {
    let answer: Answer;
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
      answer = await app.route(req.method ?? "GET", url.pathname, body);
    } catch (err) {
      answer =
        err instanceof SyntaxError
          ? { status: 400, body: `Failed to parse the request body as JSON: ${err.message}`, text: true }
          : apiError(500, "InternalServerError", `the local order book could not read the chain: ${(err as Error).message.split("\n")[0]}`);
    }
    log(`${req.method} ${url.pathname} -> ${answer.status}`);
    if (answer.text) res.writeHead(answer.status, { "content-type": "text/plain; charset=utf-8" }).end(String(answer.body ?? ""));
    else res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
  });
  const l = await listenLocal(server, opts);
  return { url: l.origin, port: l.port, app, close: l.close };
}
