// A Safe-Transaction-Service-compatible HTTP server for a local chain: the endpoints api-kit 5 uses,
// with the real service's validation, status codes and error bodies; the chain is the source of truth
// for owners, threshold, nonce, version and executions. Point api-kit at `${url}` (it ends in /api).
import { getAddress, isAddress, isHex, type Address, type Hex } from "viem";
import { NotASafeError, SafeChain } from "./chain";
import { TxStore, type StoredTx } from "./store";
import { proposeTx, type Answer } from "./proposal";
import { confirmTx } from "./confirm";
import { addDelegate, listDelegates, removeDelegate } from "./delegates";
import { page, safeInfoBody, txBody } from "./views";
import { listTxs } from "./list";
import { listenLocal, localHttpServer } from "../../localServer";

export interface TxServiceOptions {
  rpcUrl: string;
  /** JSON file to keep proposals and delegates across restarts; in memory when absent. */
  storeFile?: string;
  host?: string;
  /** 0 (default) = a free port. */
  port?: number;
  log?: (line: string) => void;
}

export interface TxService {
  /** Base URL for api-kit's txServiceUrl, e.g. http://127.0.0.1:41234/api */
  url: string;
  port: number;
  /** Test faults (see ProposalFault); empty in normal use. */
  faults: ProposalFault[];
  close(): Promise<void>;
}

/**
 * A misbehaving service, for tests of what the agent trusts: the next proposals (first in, first out)
 * are answered 201 as usual, but `drop` stores nothing, and `alter` stores the transaction with these
 * fields changed under the hash the proposer gave (a service that mixed up two proposals, or a proxy
 * that rewrote one). What is stored is then served by the ordinary read routes, in the real API's shape.
 */
export type ProposalFault = { kind: "drop" } | { kind: "alter"; fields: Partial<Pick<StoredTx, "to" | "value" | "data" | "operation" | "nonce">> };

const json = (status: number, body?: unknown): Answer => ({ status, body });
const notFound = json(404, { detail: "Not found." });

/** Addresses in URLs must be EIP-55 checksummed (the service's ChecksumAddress converter). */
function checksumError(a: string): Answer | undefined {
  if (isAddress(a, { strict: false }) && getAddress(a) === a) return undefined;
  return json(422, { code: 1, message: "Checksum address validation failed", arguments: [a] });
}

export class TxServiceApp {
  readonly chain: SafeChain;
  readonly store: TxStore;
  readonly faults: ProposalFault[] = [];
  constructor(opts: Pick<TxServiceOptions, "rpcUrl" | "storeFile">) {
    this.chain = new SafeChain(opts.rpcUrl);
    this.store = new TxStore(opts.storeFile);
  }

  private async safeOr404(a: Address) {
    try {
      return await this.chain.safeState(a);
    } catch (err) {
      if (err instanceof NotASafeError) return undefined;
      throw err;
    }
  }

  private async propose(safe: Address, body: Record<string, unknown>): Promise<Answer> {
    const fault = this.faults.shift();
    if (!fault) return proposeTx(this.chain, this.store, safe, () => this.safeOr404(safe), body);
    const hash = String(body.contractTransactionHash ?? "").toLowerCase() as Hex;
    const before = this.store.get(hash);
    const answer = await proposeTx(this.chain, this.store, safe, () => this.safeOr404(safe), body);
    const stored = this.store.get(hash);
    if (answer.status !== 201 || !stored) return answer;
    if (fault.kind === "drop") this.store.remove(hash, before);
    else this.store.put({ ...stored, ...fault.fields });
    return answer;
  }

  async route(method: string, url: URL, body: Record<string, unknown>): Promise<Answer> {
    const p = url.pathname.replace(/\/+$/, "").split("/").slice(1); // ["api","v1",...]
    if (p[0] !== "api") return notFound;
    const [, v, a, b, c, d] = p;
    if (v === "v1" && a === "about" && !b && method === "GET") {
      return json(200, { name: "Safe Transaction Service", version: "6.10.1+local", api_version: "v1", secure: false, host: url.host, headers: [], settings: { local: true, chain_id: await this.chain.chainId() } });
    }
    if (v === "v1" && a === "about" && b === "singletons" && method === "GET") return json(200, []);

    if (a === "safes" && b) {
      const bad = checksumError(b);
      if (bad) return bad;
      const safe = b as Address;
      if (v === "v1" && !c && method === "GET") {
        const s = await this.safeOr404(safe);
        return s ? json(200, safeInfoBody(s)) : json(404);
      }
      if (c === "multisig-transactions" && !d && (v === "v1" || v === "v2")) {
        if (method === "POST") return this.propose(safe, body);
        if (method === "GET") return listTxs(this.chain, this.store, safe, (await this.safeOr404(safe))?.threshold ?? 0, url);
      }
      if (v === "v1" && c === "multisig-transactions" && d === "estimations" && method === "POST") return json(200, { safeTxGas: "0" });
    }

    if (a === "multisig-transactions" && b) {
      const hash = b.toLowerCase() as Hex;
      if (!isHex(hash) || hash.length !== 66) return notFound;
      if (v === "v2" && !c && method === "GET") {
        const tx = this.store.get(hash);
        if (!tx) return json(404, { detail: "No MultisigTransaction matches the given query." });
        const s = await this.chain.safeState(tx.safe);
        return json(200, txBody(tx, s.threshold, (await this.chain.executedTxs(tx.safe)).get(tx.safeTxHash)));
      }
      if (v === "v1" && c === "confirmations") {
        if (method === "POST") return confirmTx(this.chain, this.store, hash, body);
        if (method === "GET") {
          const confs = (this.store.get(hash)?.confirmations ?? []).map((x) => ({ ...x, transactionHash: null }));
          return json(200, page(confs, Number(url.searchParams.get("limit") ?? 100), Number(url.searchParams.get("offset") ?? 0), url));
        }
      }
    }

    if (v === "v2" && a === "delegates") {
      if (!b && method === "GET") {
        const rows = listDelegates(this.store, url.searchParams);
        return json(200, page(rows, Number(url.searchParams.get("limit") ?? 100), Number(url.searchParams.get("offset") ?? 0), url));
      }
      if (!b && method === "POST") return addDelegate(this.chain, this.store, body);
      if (b && method === "DELETE") return checksumError(b) ?? removeDelegate(this.chain, this.store, b as Address, body);
    }
    return notFound;
  }
}

export async function startTxService(opts: TxServiceOptions): Promise<TxService> {
  const app = new TxServiceApp(opts);
  const log = opts.log ?? (() => {});
  const server = localHttpServer(async (req, res, url, raw) => {
    let answer: Answer;
    let body: Record<string, unknown> = {};
    try {
      if (raw) body = JSON.parse(raw);
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw new SyntaxError("expected a JSON object");
    } catch (err) {
      answer = json(400, { detail: `JSON parse error - ${(err as Error).message}` });
      return send(answer);
    }
    try {
      answer = await app.route(req.method ?? "GET", url, body);
    } catch (err) {
      // The chain could not be read: what the service answers when its node is down.
      answer = json(503, { exception: "Problem connecting to Ethereum network", trace: (err as Error).message.split("\n")[0] });
    }
    send(answer);
    function send(a: Answer) {
      log(`${req.method} ${url.pathname}${url.search} -> ${a.status}`);
      if (a.body === undefined) res.writeHead(a.status).end();
      else res.writeHead(a.status, { "content-type": "application/json" }).end(JSON.stringify(a.body));
    }
  });
  const l = await listenLocal(server, opts);
  return { url: `${l.origin}/api`, port: l.port, faults: app.faults, close: l.close };
}
