// Chain reads of the handlers (I/O edge): the valuation multicall of a NAV snapshot and the
// receipt of a treasury transaction (its gas), read at the event's block *hash* (EIP-1898), so a
// reorged block can never lend its state to the canonical one.
//
// Why not Ponder's context.client: its reads run one at a time in handler order, each through
// Ponder's RPC rate limiter and a database cache round trip (select and insert), which made them
// most of the backfill time. Here a read-ahead (worker/readAhead.mjs, a worker thread) finds which
// blocks after the one being indexed hold treasury events or Safe transfers (three eth_getLogs per
// `lookahead` blocks) or fall on the NAV interval, and reads their snapshots and receipts
// `concurrency` at a time (at most `maxAhead` kept), so the handler of each of those blocks finds
// its read done. The reads and their results are the same as reading on demand; only their timing
// changes. Once a scan reaches the chain head (realtime) reads are made on demand only.
import { Worker } from "node:worker_threads";
import type { Hash } from "viem";
import { registryKey, snapshotCalls, type CallResult, type Registry } from "./snapshot";

export interface BlockRef {
  number: bigint;
  hash: Hash;
}
export interface GasReceipt {
  gasUsed: bigint;
  effectiveGasPrice: bigint;
}
export interface ReaderOptions {
  rpcUrl: string;
  valuation: `0x${string}`;
  safe: `0x${string}`;
  /** Contracts whose every event is a treasury event (Safe, policy, guard, module). */
  watched: `0x${string}`[];
  /** Reads in flight at once (read-ahead). */
  concurrency: number;
  /** Blocks per read-ahead scan (one eth_getLogs range); 0 = no read-ahead. */
  lookahead: number;
  /** Reads kept ahead of the block being indexed at most (memory bound). */
  maxAhead?: number;
  /** Ponder's block interval source: every `every` blocks from `start`. */
  interval: { start: bigint; every: bigint };
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

export function createReader(o: ReaderOptions) {
  let worker: Worker | undefined;
  let sent = new Set<string>(); // registries the worker knows
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;

  /** The worker, (re)started on demand: a crashed one fails its pending reads, the next read starts another. */
  const getWorker = (): Worker => {
    if (worker) return worker;
    const w = new Worker(new URL("../../worker/readAhead.mjs", import.meta.url), {
      workerData: { rpcUrl: o.rpcUrl, safe: o.safe, watched: o.watched, concurrency: o.concurrency, lookahead: o.lookahead, maxAhead: o.maxAhead ?? 2_000, interval: o.interval },
    });
    w.unref(); // never keeps the indexer alive
    w.on("message", (m: Reply) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.value);
      else p?.reject(new Error(`chain read failed: ${m.error}`));
    });
    const fail = (err: Error) => {
      if (worker === w) worker = undefined;
      sent = new Set();
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    w.on("error", fail);
    w.on("exit", (code) => fail(new Error(`the read-ahead worker exited (code ${code})`)));
    worker = w;
    return w;
  };

  const request = <T>(msg: Record<string, unknown>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      getWorker().postMessage({ ...msg, id });
    });

  return {
    /** Results of snapshotCalls(registry) at the end of `block`. */
    async nav(block: BlockRef, r: Registry): Promise<CallResult[]> {
      const key = registryKey(r);
      const w = getWorker();
      if (!sent.has(key)) {
        w.postMessage({ t: "registry", key, contracts: snapshotCalls(o.valuation, o.safe, r), tokens: r.tokens });
        sent.add(key);
      }
      const read = await request<{ hash: Hash; results: CallResult[] }>({ t: "nav", number: block.number, hash: block.hash, key });
      return read.results;
    },
    /** Gas used and price paid by a transaction of `block` (null: reorged away). */
    receipt(hash: Hash, block: bigint): Promise<GasReceipt | null> {
      return request<GasReceipt | null>({ t: "receipt", hash, number: block });
    },
  };
}
