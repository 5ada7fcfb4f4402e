// The CoW Order Book client against the local order book server on the guarded local world (real
// GPv2Settlement): quote -> order -> the Safe pre-signs (agent through the module) -> the local
// solver settles -> status "fulfilled". Then the API's 4xx answers as the real service gives them
// ({errorType, description}), and the client's handling of 5xx, 429, timeouts, garbage and
// out-of-schema answers from a faulty server.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { getAddress, keccak256, stringToHex, type Address, type Hex } from "viem";
import { agentWorld, type AgentWorld } from "../chain/fixture";
import { COW_ORDER_STATUSES, CowApiError, CowOrderBook } from "../../../agent/src/cow/api";
import { startLocalOrderBook, type LocalOrderBook } from "../../../agent/src/cow/localOrderBook";
import { approve } from "../../../lib/chain/encode";
import { cowOrderUid, cowPresign, cowSellOrder, type CowOrder } from "../../../lib/chain/cow";
import { solveCowOrder } from "../../../scripts/world";
import { OrderStatus, type OrderQuoteResponse, type Order, type OrderPostError } from "@cowprotocol/sdk-order-book";

const A = (a: string) => getAddress(a) as Address;

async function withBook<T>(w: AgentWorld, fn: (book: LocalOrderBook, api: CowOrderBook) => Promise<T>): Promise<T> {
  const book = await startLocalOrderBook({ client: w.client, deployment: w.d });
  try {
    return await fn(book, new CowOrderBook({ baseUrl: book.url, retries: 0 }));
  } finally {
    await book.close();
  }
}

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
};

describe("CoW order book: client and local server", function () {
  this.timeout(120_000);

  it("quote -> order (presign, from = Safe) -> the Safe pre-signs -> a solver settles -> status fulfilled", async () => {
    const w = await agentWorld();
    await withBook(w, async (book, api) => {
      const { d, g } = w;
      const safe = A(d.treasury!.safe);
      const now = Number((await w.client.getBlock()).timestamp);
      const sellAmount = 10n ** 18n; // 1 WETH
      const q = await api.quote({ sellToken: A(d.tokens.WETH), buyToken: A(d.tokens.USDC), sellAmountBeforeFee: sellAmount, from: safe, validTo: now + 1200 });
      // The answer has the real API's shape (typed by @cowprotocol/sdk-order-book).
      const typed: Pick<OrderQuoteResponse, "expiration" | "verified"> = q;
      expect(typed.verified).to.equal(true);
      expect(BigInt(q.quote.sellAmount) + BigInt(q.quote.feeAmount)).to.equal(sellAmount);
      // $3,000 less the $1 network fee, less the 5 bps spread.
      expect(BigInt(q.quote.buyAmount)).to.equal((((sellAmount - BigInt(q.quote.feeAmount)) * 3000n) / 10n ** 12n) * 9995n / 10000n);
      const order: CowOrder = cowSellOrder({ sellToken: A(d.tokens.WETH), buyToken: A(d.tokens.USDC), sellAmount, buyAmount: (BigInt(q.quote.buyAmount) * 995n) / 1000n, validTo: q.quote.validTo });
      const { call, uid } = cowPresign(A(d.cow!.settlement), order, safe, d.chainId);
      expect(await api.postOrder(order, safe, uid, q.id)).to.equal(uid);
      expect((await api.getOrder(uid)).status).to.equal("presignaturePending");
      expect(await book.app.settleOpen(async () => expect.fail("nothing is open yet"))).to.deep.equal([]);

      await (await g.module.connect(g.agent).execute([approve(A(d.tokens.WETH), A(d.cow!.vaultRelayer), sellAmount), call], keccak256(stringToHex("cow e2e")))).wait();
      const open = await api.getOrder(uid);
      expect(open.status).to.equal("open");
      expect(open.owner).to.equal(safe);

      const solved = await book.app.settleOpen((s) => solveCowOrder(g.world.signers.deployer, g.world, g.world, g.world.cow, s.order, s.owner));
      expect(solved).to.deep.equal([uid]);
      const done = await api.getOrder(uid);
      const typedOrder: Pick<Order, "executedBuyAmount" | "executedSellAmount" | "uid" | "owner"> = done;
      expect(typedOrder.uid).to.equal(uid);
      expect(done.status).to.equal("fulfilled");
      expect(BigInt(done.executedSellAmount)).to.equal(sellAmount);
      expect(BigInt(done.executedBuyAmount)).to.be.gte(order.buyAmount);
      // Posting it again (a retry after a lost answer) is not an error for the client.
      expect(await api.postOrder(order, safe, uid)).to.equal(uid);
    });
  });

  it("the order statuses are the API's (OrderStatus of the SDK's OpenAPI types)", () => {
    expect([...COW_ORDER_STATUSES].sort()).to.deep.equal(Object.values(OrderStatus).sort());
  });

  it("4xx answers carry {errorType, description} as the real API's", async () => {
    const w = await agentWorld();
    await withBook(w, async (book, api) => {
      const { d } = w;
      const safe = A(d.treasury!.safe);
      const now = Number((await w.client.getBlock()).timestamp);
      const err = async (p: Promise<unknown>) => {
        try {
          await p;
        } catch (e) {
          expect(e).to.be.instanceOf(CowApiError);
          return e as CowApiError;
        }
        return expect.fail("expected a CowApiError");
      };
      const qe = await err(api.quote({ sellToken: A(d.tokens.WETH), buyToken: A(d.tokens.WETH), sellAmountBeforeFee: 1n, from: safe, validTo: now + 600 }));
      expect([qe.status, qe.errorType]).to.deep.equal([400, "SameBuyAndSellToken"]);
      const unknown = A(d.guardrails!.policy);
      expect((await err(api.quote({ sellToken: A(d.tokens.WETH), buyToken: unknown, sellAmountBeforeFee: 10n ** 18n, from: safe, validTo: now + 600 }))).errorType).to.equal("UnsupportedToken");
      expect((await err(api.quote({ sellToken: A(d.tokens.WETH), buyToken: A(d.tokens.USDC), sellAmountBeforeFee: 0n, from: safe, validTo: now + 600 }))).errorType).to.equal("ZeroAmount");
      expect((await err(api.quote({ sellToken: A(d.tokens.USDC), buyToken: A(d.tokens.WETH), sellAmountBeforeFee: 10n, from: safe, validTo: now + 600 }))).errorType).to.equal("SellAmountDoesNotCoverFee");

      const order = cowSellOrder({ sellToken: A(d.tokens.WETH), buyToken: A(d.tokens.USDC), sellAmount: 10n ** 18n, buyAmount: 2_900n * 10n ** 6n, validTo: now + 1200 });
      const uid = cowOrderUid(order, safe, d.chainId, A(d.cow!.settlement));
      const body = (over: Record<string, unknown>) => ({ ...order, sellAmount: "1000000000000000000", buyAmount: "2900000000", feeAmount: "0", signingScheme: "presign", signature: "0x", from: safe, ...over });
      const cases: [Record<string, unknown>, number, string][] = [
        [{ from: null }, 400, "MissingFrom"],
        [{ signingScheme: "eip712", signature: `0x${"11".repeat(65)}` }, 400, "IncompatibleSigningScheme"],
        [{ signature: "0x1234" }, 400, "InvalidSignature"],
        [{ feeAmount: "1" }, 400, "NonZeroFee"],
        [{ sellTokenBalance: "external" }, 400, "UnsupportedSellTokenSource"],
        [{ buyTokenBalance: "internal" }, 400, "UnsupportedBuyTokenDestination"],
        [{ validTo: now + 10 }, 400, "InsufficientValidTo"],
        [{ validTo: now + 86_400 }, 400, "ExcessiveValidTo"],
        [{ quoteId: 9999 }, 404, "QuoteNotFound"],
        [{ buyToken: unknown }, 400, "UnsupportedToken"],
      ];
      for (const [over, status, errorType] of cases) {
        const r = await post(`${book.url}/api/v1/orders`, body(over));
        const typed = r.json as OrderPostError;
        expect([r.status, typed.errorType], JSON.stringify(over)).to.deep.equal([status, errorType]);
        expect(typed.description).to.be.a("string").and.not.equal("");
      }
      expect(await post(`${book.url}/api/v1/orders`, body({}))).to.deep.equal({ status: 201, json: uid });
      expect(await post(`${book.url}/api/v1/orders`, body({}))).to.deep.include({ status: 400 });
      expect(((await post(`${book.url}/api/v1/orders`, body({}))).json as OrderPostError).errorType).to.equal("DuplicatedOrder");
      // The client refuses an answer naming another uid (another chain or settlement).
      expect((await err(api.postOrder({ ...order, buyAmount: order.buyAmount + 1n }, safe, uid))).message).to.match(/names the order 0x[0-9a-f]+, not 0x/);
      const nf = await err(api.getOrder(`0x${"ab".repeat(56)}` as Hex));
      expect([nf.status, nf.errorType]).to.deep.equal([404, "NotFound"]);
      expect(await post(`${book.url}/api/v1/orders`, "{not json")).to.deep.include({ status: 400 });
      expect((await post(`${book.url}/api/v1/quote`, { kind: "sell" })).status).to.equal(422);
    });
  });

  it("5xx, 429, a hang, garbage and out-of-schema answers: retried where it helps, else a clear CowApiError", async () => {
    let script: ((res: http.ServerResponse) => void)[] = [];
    const hits: string[] = [];
    const server = http.createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      const next = script.shift();
      if (next) next(res);
      else res.writeHead(500).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The timeout must cover every normal answer below on a loaded machine; only the hang hits it.
    const api = new CowOrderBook({ baseUrl: url, retries: 2, backoffMs: 1, timeoutMs: 2_000 });
    const uid = `0x${"cd".repeat(56)}` as Hex;
    const jsonRes = (status: number, body: unknown) => (res: http.ServerResponse) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    const fail = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return e as CowApiError;
      }
      return expect.fail("expected a failure");
    };
    try {
      // 500 three times: retried twice, then the error names the status and the API's errorType.
      script = [0, 1, 2].map(() => jsonRes(500, { errorType: "InternalServerError", description: "boom" }));
      let e = await fail(api.getOrder(uid));
      expect([e.kind, e.status, e.errorType]).to.deep.equal(["http", 500, "InternalServerError"]);
      expect(hits).to.have.length(3);
      // 503 then 429 then an answer: the retries get there.
      const ok = { uid, owner: "0x3333333333333333333333333333333333333333", sellToken: "0x1111111111111111111111111111111111111111", buyToken: "0x2222222222222222222222222222222222222222", sellAmount: "1", buyAmount: "1", validTo: 1, kind: "sell", status: "open", executedSellAmount: "0", executedBuyAmount: "0", invalidated: false, creationDate: "2026-01-01T00:00:00Z", signingScheme: "presign" };
      script = [jsonRes(503, {}), (res) => res.writeHead(429, { "retry-after": "0" }).end(), jsonRes(200, ok)];
      expect((await api.getOrder(uid)).status).to.equal("open");
      // A 4xx is not retried.
      hits.length = 0;
      script = [jsonRes(400, { errorType: "InvalidQuote", description: "nope" })];
      e = await fail(api.getOrder(uid));
      expect([e.kind, e.status, e.errorType, hits.length]).to.deep.equal(["http", 400, "InvalidQuote", 1]);
      // Garbage with 200, and JSON of the wrong shape: not retried, named.
      script = [(res) => res.writeHead(200).end("<html>gateway</html>")];
      expect((await fail(api.getOrder(uid))).kind).to.equal("malformed");
      script = [jsonRes(200, { ...ok, status: "weird" })];
      e = await fail(api.getOrder(uid));
      expect(e.kind).to.equal("schema");
      expect(e.message).to.match(/status/);
      // A hang: each attempt times out.
      script = [0, 1, 2].map(() => () => {});
      e = await fail(api.getOrder(uid));
      expect(e.kind).to.equal("timeout");
      // Nobody listening.
      const closed = new CowOrderBook({ baseUrl: "http://127.0.0.1:1", retries: 0 });
      expect((await fail(closed.getOrder(uid))).kind).to.equal("network");
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
