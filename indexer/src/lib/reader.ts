// Chain reads of the handlers (I/O edge): the valuation multicall of a NAV snapshot and the
// receipt of a treasury transaction (its gas), read at the event's block *hash* (EIP-1898), so a
// reorged block can never lend its state to the canonical one.
//
// Why not Ponder's context.client: its reads run one at a time in handler order, each through
// Ponder's RPC rate limiter and a database cache round trip (select and insert), which made them
// most of the backfill time. Here a read-ahead finds which blocks after the one being indexed hold
// treasury events or Safe transfers (three eth_getLogs per `lookahead` blocks) or fall on the NAV
// interval, and reads their snapshots and receipts `concurrency` at a time (at most `maxAhead`
// queued), so the handler of each of those blocks finds its read done. The reads and their results
// are the same as reading on demand; only their timing changes. Once a scan reaches the chain head
// (realtime) reads are made on demand only.
import { TransactionReceiptNotFoundError, createPublicClient, http, parseAbiItem, type Hash } from "viem";
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

interface Entry<T> {
  block: bigint;
  run: () => Promise<T>;
  promise?: Promise<T>;
}
/** A snapshot read and the hash of the block it was made at. */
interface NavRead {
  hash: Hash;
  results: CallResult[];
}

const TRANSFER = parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)");

export function createReader(o: ReaderOptions) {
  // Reads started together go out as one JSON-RPC batch: one HTTP request instead of many (the
  // per-request cost in this process, not the node, is what limits a local backfill).
  const client = createPublicClient({ transport: http(o.rpcUrl, { batch: { batchSize: o.concurrency }, retryCount: 6, timeout: 60_000 }) });
  const navs = new Map<string, Entry<NavRead>>(); // blockNumber|registry
  const receipts = new Map<string, Entry<GasReceipt | null>>(); // tx hash
  /** Read-ahead entries not started yet, in block order (scans append later blocks). */
  let queue: Entry<unknown>[] = [];
  let active = 0;
  let scannedTo = -1n;
  let current = -1n; // the block being indexed
  let scanning = false;
  let realtime = o.lookahead <= 0;
  const maxAhead = o.maxAhead ?? 2_000;

  /** Snapshot read at `block` (by hash; an interval block found ahead is known by number only: its hash is read first). */
  const readNav = (block: { number: bigint; hash?: Hash }, r: Registry) => async (): Promise<NavRead> => {
    const contracts = snapshotCalls(o.valuation, o.safe, r);
    const read = (at: { blockHash: Hash } | { blockNumber: bigint }) =>
      client.multicall({ deployless: true, allowFailure: true, batchSize: 0, contracts, ...at }) as Promise<CallResult[]>;
    const hash = block.hash ?? (await client.getBlock({ blockNumber: block.number })).hash!;
    try {
      return { hash, results: await read({ blockHash: hash }) };
    } catch {
      // The node no longer knows the block by hash (reorged away since): read at its number, as
      // Ponder's own client does; Ponder re-runs the handlers of the canonical block anyway.
      return { hash, results: await read({ blockNumber: block.number }) };
    }
  };
  const readReceipt = (hash: Hash) => async (): Promise<GasReceipt | null> => {
    for (let i = 0; ; i++) {
      try {
        const r = await client.getTransactionReceipt({ hash });
        return { gasUsed: r.gasUsed, effectiveGasPrice: r.effectiveGasPrice };
      } catch (err) {
        if (!(err instanceof TransactionReceiptNotFoundError)) throw err;
        // Only a transaction reorged away has no receipt: no gas row (Ponder reverts its block).
        if (i >= 4) return null;
        await new Promise((res) => setTimeout(res, 250));
      }
    }
  };

  const start = <T>(e: Entry<T>): Promise<T> => {
    if (!e.promise) {
      e.promise = e.run();
      e.promise.catch(() => undefined); // a failed read-ahead is retried when it is needed
    }
    return e.promise;
  };

  /** Start queued read-ahead reads, lowest block first, up to `concurrency` in flight. */
  const pump = () => {
    while (active < o.concurrency) {
      let next: Entry<unknown> | undefined;
      while ((next = queue.shift()) && next.promise); // skip what a handler already started
      if (!next) return;
      active++;
      start(next).finally(() => {
        active--;
        pump();
      });
    }
  };

  /** Which of the blocks after `from` need a snapshot (treasury event, Safe transfer) and which transactions a receipt. */
  const scan = async (from: bigint, r: Registry) => {
    const head = await client.getBlockNumber({ cacheTime: 0 });
    if (from > head) {
      realtime = true;
      return;
    }
    let to = from + BigInt(o.lookahead) - 1n;
    if (to >= head) {
      to = head;
      realtime = true; // later blocks arrive one by one: read them on demand
    }
    const tokens = r.tokens as `0x${string}`[];
    const [events, into, outOf] = await Promise.all([
      client.getLogs({ address: o.watched, fromBlock: from, toBlock: to }),
      tokens.length ? client.getLogs({ address: tokens, event: TRANSFER, args: { to: o.safe }, fromBlock: from, toBlock: to }) : [],
      tokens.length ? client.getLogs({ address: tokens, event: TRANSFER, args: { from: o.safe }, fromBlock: from, toBlock: to }) : [],
    ]);
    const key = registryKey(r);
    for (const l of [...events, ...into, ...outOf]) {
      if (l.blockHash === null || l.blockNumber === null) continue;
      const k = `${l.blockNumber}|${key}`;
      if (!navs.has(k)) navs.set(k, { block: l.blockNumber, run: readNav({ number: l.blockNumber, hash: l.blockHash }, r) });
    }
    const { start: s0, every } = o.interval;
    for (let b = from <= s0 ? s0 : from + ((every - ((from - s0) % every)) % every); b <= to; b += every) {
      const k = `${b}|${key}`;
      if (!navs.has(k)) navs.set(k, { block: b, run: readNav({ number: b }, r) });
    }
    for (const l of events) {
      if (l.transactionHash && !receipts.has(l.transactionHash)) receipts.set(l.transactionHash, { block: l.blockNumber!, run: readReceipt(l.transactionHash) });
    }
    const added = [...navs.values(), ...receipts.values()].filter((e) => !e.promise && e.block >= from) as Entry<unknown>[];
    queue = queue.concat(added.sort((a, b) => (a.block < b.block ? -1 : a.block > b.block ? 1 : 0)));
    scannedTo = to;
    pump();
  };

  /** Forget reads behind `block`; scan further ahead while fewer than `maxAhead` reads are queued. */
  const advance = (block: bigint, r: Registry) => {
    if (block > current) {
      current = block;
      for (const m of [navs, receipts] as Map<string, Entry<unknown>>[]) for (const [k, e] of m) if (e.block < block) m.delete(k);
      while (queue.length && queue[0].block < block) queue.shift();
    }
    if (realtime || scanning || navs.size + receipts.size >= maxAhead) return;
    scanning = true;
    scan(block > scannedTo ? block : scannedTo + 1n, r)
      .then(() => (scanning = false))
      .then(() => advance(block, r))
      .catch((err) => {
        scanning = false;
        console.warn(`indexer read-ahead failed (reads continue on demand): ${(err as Error).message}`);
      });
  };

  /** A started or finished read-ahead result if there is one, else a read now. */
  const take = async <T>(m: Map<string, Entry<T>>, key: string, block: bigint, run: () => Promise<T>): Promise<T> => {
    const e = m.get(key);
    m.delete(key);
    if (e) {
      try {
        return await start(e);
      } catch {
        // read-ahead failed (e.g. a node hiccup): read again below
      }
    }
    const fresh: Entry<T> = { block, run };
    return start(fresh);
  };

  return {
    /** Results of snapshotCalls(registry) at the end of `block`. */
    async nav(block: BlockRef, r: Registry): Promise<CallResult[]> {
      advance(block.number, r);
      const read = await take(navs, `${block.number}|${registryKey(r)}`, block.number, readNav(block, r));
      // Read ahead on another branch (a reorg since): read this block again.
      return read.hash === block.hash ? read.results : (await readNav(block, r)()).results;
    },
    /** Gas used and price paid by a transaction of `block` (null: reorged away). */
    receipt(hash: Hash, block: bigint): Promise<GasReceipt | null> {
      return take(receipts, hash, block, readReceipt(hash));
    },
  };
}
