// Worker thread of src/lib/reader.ts: the read-ahead and the reads themselves. Plain JS because a
// worker runs outside Ponder's TypeScript loader (and outside src/, where Ponder would load it as
// handlers); it is given everything it needs (the calls of a
// snapshot for each registry, addresses) and needs no ABI of its own.
//
// Why a thread of its own: during a backfill Ponder's embedded database keeps the main thread busy
// for most of every second, so reads driven from there advance a few per second; here they advance
// at the node's pace and wait, done, until a handler asks for them.
import { parentPort, workerData } from "node:worker_threads";
import { TransactionReceiptNotFoundError, createPublicClient, http, parseAbiItem } from "viem";

/** @type {{ rpcUrl: string, safe: `0x${string}`, watched: `0x${string}`[], concurrency: number, lookahead: number, maxAhead: number, interval: { start: bigint, every: bigint } }} */
const o = workerData;
const TRANSFER = parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)");
// Reads started together go out as JSON-RPC batches of a quarter of `concurrency`: fewer HTTP
// requests, yet several in flight (a node works through one batch in order).
const client = createPublicClient({ transport: http(o.rpcUrl, { batch: { batchSize: Math.max(1, Math.ceil(o.concurrency / 4)) }, retryCount: 6, timeout: 60_000 }) });

/** registry key -> { contracts, tokens } (sent by the main thread before first use) */
const registries = new Map();
/** `${blockNumber}|${registryKey}` -> entry; entry = { block, run, promise? } */
const navs = new Map();
/** tx hash -> entry */
const receipts = new Map();
let queue = []; // entries not started yet, in block order
let active = 0;
let scannedTo = -1n;
let current = -1n;
let scanning = false;
let realtime = o.lookahead <= 0;

/** Snapshot calls at `block` by hash (an interval block is known by number: its hash is read first). */
const readNav = (block, key) => async () => {
  const { contracts } = registries.get(key);
  const read = (at) => client.multicall({ deployless: true, allowFailure: true, batchSize: 0, contracts, ...at });
  const hash = block.hash ?? (await client.getBlock({ blockNumber: block.number })).hash;
  let results;
  try {
    results = await read({ blockHash: hash });
  } catch {
    // The node no longer knows the block by hash (reorged away since): read at its number, as
    // Ponder's own client does; Ponder re-runs the handlers of the canonical block anyway.
    results = await read({ blockNumber: block.number });
  }
  return { hash, results: results.map((r) => ({ status: r.status, result: r.result })) };
};

const readReceipt = (hash) => async () => {
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

const start = (e) => {
  if (!e.promise) {
    e.promise = e.run();
    e.promise.catch(() => undefined); // a failed read-ahead is read again when it is needed
  }
  return e.promise;
};

const pump = () => {
  while (active < o.concurrency) {
    let next;
    while ((next = queue.shift()) && next.promise); // skip what a handler already started
    if (!next) return;
    active++;
    start(next).finally(() => {
      active--;
      pump();
    });
  }
};

const byBlock = (a, b) => (a.block < b.block ? -1 : a.block > b.block ? 1 : 0);

/** Blocks from `from` on that need a snapshot (treasury event, Safe transfer, NAV interval), transactions that need a receipt. */
const scan = async (from, key) => {
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
  const { tokens } = registries.get(key);
  const [events, into, outOf] = await Promise.all([
    client.getLogs({ address: o.watched, fromBlock: from, toBlock: to }),
    tokens.length ? client.getLogs({ address: tokens, event: TRANSFER, args: { to: o.safe }, fromBlock: from, toBlock: to }) : [],
    tokens.length ? client.getLogs({ address: tokens, event: TRANSFER, args: { from: o.safe }, fromBlock: from, toBlock: to }) : [],
  ]);
  const added = [];
  const addNav = (number, hash) => {
    const k = `${number}|${key}`;
    if (navs.has(k)) return;
    const e = { block: number, run: readNav({ number, hash }, key) };
    navs.set(k, e);
    added.push(e);
  };
  for (const l of [...events, ...into, ...outOf]) if (l.blockHash && l.blockNumber !== null) addNav(l.blockNumber, l.blockHash);
  const { start: s0, every } = o.interval;
  for (let b = from <= s0 ? s0 : from + ((every - ((from - s0) % every)) % every); b <= to; b += every) addNav(b, undefined);
  for (const l of events) {
    if (!l.transactionHash || receipts.has(l.transactionHash)) continue;
    const e = { block: l.blockNumber, run: readReceipt(l.transactionHash) };
    receipts.set(l.transactionHash, e);
    added.push(e);
  }
  queue = queue.concat(added.sort(byBlock));
  scannedTo = to;
  pump();
};

/** Forget what is behind `block`; scan further ahead while fewer than `maxAhead` reads are kept. */
const advance = (block, key) => {
  if (block > current) {
    current = block;
    for (const m of [navs, receipts]) for (const [k, e] of m) if (e.block < block) m.delete(k);
    while (queue.length && queue[0].block < block) queue.shift();
  }
  if (realtime || scanning || navs.size + receipts.size >= o.maxAhead) return;
  scanning = true;
  scan(block > scannedTo ? block : scannedTo + 1n, key)
    .then(() => {
      scanning = false;
      advance(current, key);
    })
    .catch((err) => {
      scanning = false;
      console.warn(`indexer read-ahead failed (reads continue on demand): ${err.message}`);
    });
};

/** The read-ahead result if there is one (a failed one is read again), else a read now. */
const take = async (m, key, block, run) => {
  const e = m.get(key);
  m.delete(key);
  if (e) {
    try {
      return await start(e);
    } catch {
      // read again below
    }
  }
  return start({ block, run });
};

parentPort.on("message", (msg) => {
  if (msg.t === "registry") {
    registries.set(msg.key, { contracts: msg.contracts, tokens: msg.tokens });
    return;
  }
  const reply = (p) =>
    p.then(
      (value) => parentPort.postMessage({ id: msg.id, ok: true, value }),
      (err) => parentPort.postMessage({ id: msg.id, ok: false, error: String(err?.message ?? err) }),
    );
  if (msg.t === "nav") {
    advance(msg.number, msg.key);
    reply(
      take(navs, `${msg.number}|${msg.key}`, msg.number, readNav({ number: msg.number, hash: msg.hash }, msg.key)).then((read) =>
        // Read ahead on another branch (a reorg since): read this block again.
        read.hash === msg.hash ? read : readNav({ number: msg.number, hash: msg.hash }, msg.key)(),
      ),
    );
  } else if (msg.t === "receipt") {
    reply(take(receipts, msg.hash, msg.number, readReceipt(msg.hash)));
  }
});
