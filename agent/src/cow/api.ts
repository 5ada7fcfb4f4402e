// CoW Protocol Order Book API client (edge): POST /api/v1/quote, POST /api/v1/orders (pre-signed by
// the Safe: signingScheme "presign", from = the Safe, empty signature), GET /api/v1/orders/{uid}.
// Shapes follow the OpenAPI spec as @cowprotocol/sdk-order-book 4.0.2 types it (OrderQuoteRequest,
// OrderQuoteResponse, OrderCreation, Order, OrderPostError / PriceEstimationError bodies
// `{errorType, description}`); every response is validated with zod, every failure is a CowApiError
// that says what happened (HTTP status and the API's errorType, timeout, network, malformed JSON,
// out-of-schema). Base URL from config: https://api.cow.fi/mainnet on mainnet, the local server here.
import { z } from "zod";
import { getAddress, isAddress, isHex, type Address, type Hex } from "viem";
import type { CowOrder } from "../../../lib/chain/cow";
import { fetchText, NoAnswer, type HttpAnswer } from "../http";
import { retryable, withRetry, type RetryHint } from "../retry";

export type CowFailure = "http" | "timeout" | "network" | "malformed" | "schema";

export class CowApiError extends Error implements RetryHint {
  retryable?: boolean;
  constructor(
    readonly kind: CowFailure,
    message: string,
    readonly status?: number,
    /** The API's errorType (e.g. "NoLiquidity", "DuplicatedOrder"), when it sent one. */
    readonly errorType?: string,
  ) {
    super(`CoW order book: ${message}`);
    this.name = "CowApiError";
  }
}


const address = z.string().refine((a) => isAddress(a, { strict: false }), "not a 20-byte hex address").transform((a) => getAddress(a) as Address);
const amount = z.string().regex(/^[0-9]+$/, "a decimal token amount");
const hex = z.string().refine((h) => isHex(h), "not 0x-hex");
const uid = z.string().regex(/^0x[0-9a-fA-F]{112}$/, "a 56-byte order uid").transform((u) => u.toLowerCase() as Hex);

/** The API's error body (OrderPostError, PriceEstimationError, ...). */
export const CowErrorBodySchema = z.looseObject({ errorType: z.string(), description: z.string() });

/** OrderParameters: a quoted order, ready to sign. */
export const CowQuoteParametersSchema = z.looseObject({
  sellToken: address,
  buyToken: address,
  receiver: address.nullish(),
  sellAmount: amount,
  buyAmount: amount,
  validTo: z.number().int().nonnegative(),
  appData: z.string(),
  appDataHash: hex.optional(),
  feeAmount: amount,
  kind: z.enum(["sell", "buy"]),
  partiallyFillable: z.boolean(),
  sellTokenBalance: z.enum(["erc20", "internal", "external"]).optional(),
  buyTokenBalance: z.enum(["erc20", "internal"]).optional(),
  signingScheme: z.enum(["eip712", "ethsign", "presign", "eip1271"]).optional(),
});

/** OrderQuoteResponse. */
export const CowQuoteResponseSchema = z.looseObject({
  quote: CowQuoteParametersSchema,
  from: address.optional(),
  expiration: z.string(),
  id: z.number().int().nullish(),
  verified: z.boolean(),
});
export type CowQuoteResponse = z.infer<typeof CowQuoteResponseSchema>;

export const COW_ORDER_STATUSES = ["presignaturePending", "open", "fulfilled", "cancelled", "expired"] as const;
export type CowOrderStatus = (typeof COW_ORDER_STATUSES)[number];

/** Order (OrderCreation & OrderMetaData): the fields the agent reads. */
export const CowOrderResponseSchema = z.looseObject({
  uid,
  owner: address,
  sellToken: address,
  buyToken: address,
  receiver: address.nullish(),
  sellAmount: amount,
  buyAmount: amount,
  validTo: z.number().int().nonnegative(),
  kind: z.enum(["sell", "buy"]),
  status: z.enum(COW_ORDER_STATUSES),
  executedSellAmount: amount,
  executedBuyAmount: amount,
  invalidated: z.boolean(),
  creationDate: z.string(),
  signingScheme: z.enum(["eip712", "ethsign", "presign", "eip1271"]),
});
export type CowOrderResponse = z.infer<typeof CowOrderResponseSchema>;

/** POST /api/v1/quote body for a sell order the Safe pre-signs. */
export interface CowQuoteRequest {
  sellToken: Address;
  buyToken: Address;
  /** Everything the Safe sells; the API deducts its network-fee estimate from it. */
  sellAmountBeforeFee: bigint;
  from: Address;
  receiver?: Address;
  validTo: number;
  appData?: Hex;
}

export interface CowOrderBookOptions {
  /** e.g. https://api.cow.fi/mainnet, or the local server's URL (no trailing /api). */
  baseUrl: string;
  timeoutMs?: number;
  /** Retries on 429, 5xx, timeouts and network errors (backoff doubling from backoffMs). */
  retries?: number;
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const ZERO32 = `0x${"00".repeat(32)}` as Hex;

export class CowOrderBook {
  /** The base URL requests go to (no trailing slash). */
  readonly baseUrl: string;
  constructor(private readonly o: CowOrderBookOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, "");
  }

  /** A quote for selling `sellAmountBeforeFee` (presign, ERC-20 balances, fill-or-kill). */
  async quote(q: CowQuoteRequest): Promise<CowQuoteResponse> {
    const body = {
      sellToken: q.sellToken,
      buyToken: q.buyToken,
      receiver: q.receiver ?? null,
      appData: q.appData ?? ZERO32,
      partiallyFillable: false,
      sellTokenBalance: "erc20",
      buyTokenBalance: "erc20",
      from: q.from,
      priceQuality: "verified",
      signingScheme: "presign",
      onchainOrder: false,
      kind: "sell",
      sellAmountBeforeFee: q.sellAmountBeforeFee.toString(),
      validTo: q.validTo,
    };
    return this.request("POST /api/v1/quote", "/api/v1/quote", body, CowQuoteResponseSchema);
  }

  /**
   * Registers an order the Safe pre-signs (or has pre-signed) and checks that the order book names it
   * `expectedUid` (the uid the Safe signs: another answer means another chain or settlement). Posting
   * it again is not an error.
   */
  async postOrder(order: CowOrder, from: Address, expectedUid: Hex, quoteId?: number | null): Promise<Hex> {
    const body = {
      sellToken: order.sellToken,
      buyToken: order.buyToken,
      receiver: order.receiver,
      sellAmount: order.sellAmount.toString(),
      buyAmount: order.buyAmount.toString(),
      validTo: order.validTo,
      appData: order.appData,
      feeAmount: order.feeAmount.toString(),
      kind: order.kind,
      partiallyFillable: order.partiallyFillable,
      sellTokenBalance: order.sellTokenBalance,
      buyTokenBalance: order.buyTokenBalance,
      signingScheme: "presign",
      signature: "0x",
      from,
      quoteId: quoteId ?? null,
    };
    let got: Hex;
    try {
      got = await this.request("POST /api/v1/orders", "/api/v1/orders", body, uid);
    } catch (err) {
      // A retry after a lost answer meets its own order: the order book has it, which is what we wanted.
      if (err instanceof CowApiError && err.errorType === "DuplicatedOrder") return expectedUid.toLowerCase() as Hex;
      throw err;
    }
    if (got !== expectedUid.toLowerCase()) throw new CowApiError("schema", `POST /api/v1/orders: the order book names the order ${got}, not ${expectedUid} (another chain or settlement?)`, 201);
    return got;
  }

  async getOrder(orderUid: Hex): Promise<CowOrderResponse> {
    return this.request(`GET /api/v1/orders/${orderUid.slice(0, 10)}…`, `/api/v1/orders/${orderUid}`, undefined, CowOrderResponseSchema);
  }

  private async request<T extends z.ZodType>(what: string, path: string, body: unknown, schema: T): Promise<z.output<T>> {
    return withRetry(() => this.requestOnce(what, path, body, schema), { maxAttempts: (this.o.retries ?? 2) + 1, baseDelayMs: this.o.backoffMs ?? 300, maxDelayMs: Infinity, sleep: this.o.sleep });
  }

  private async requestOnce<T extends z.ZodType>(what: string, path: string, body: unknown, schema: T): Promise<z.output<T>> {
    const timeoutMs = this.o.timeoutMs ?? 10_000;
    let answer: HttpAnswer;
    try {
      answer = await fetchText(`${this.baseUrl}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        timeoutMs,
      });
    } catch (err) {
      if (!(err instanceof NoAnswer)) throw err;
      throw retryable(err.timedOut ? new CowApiError("timeout", `${what}: ${err.message}`) : new CowApiError("network", `${what}: ${err.message} (${this.baseUrl})`));
    }
    const { status, text } = answer;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status < 200 || status >= 300) {
      const e = CowErrorBodySchema.safeParse(json);
      const err = e.success
        ? new CowApiError("http", `${what}: HTTP ${status} ${e.data.errorType}: ${e.data.description}`, status, e.data.errorType)
        : new CowApiError("http", `${what}: HTTP ${status} ${JSON.stringify(text.slice(0, 120))}`, status);
      if (status !== 429 && status < 500) throw err; // the order or the request is wrong: asking again will not help
      throw retryable(err);
    }
    if (json === undefined) throw new CowApiError("malformed", `${what}: malformed JSON body (${JSON.stringify(text.slice(0, 60))})`, status);
    const r = schema.safeParse(json);
    if (!r.success) throw new CowApiError("schema", `${what}: unexpected answer (${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")})`, status);
    return r.data;
  }
}
