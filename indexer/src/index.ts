// Indexing handlers: every treasury event becomes a row, and each block with one gets a NAV
// snapshot read from TreasuryValuation (plus every NAV_INTERVAL_BLOCKS blocks, for yield that
// accrues without events). Nothing here trusts off-chain input: events and chain reads only.
import { ponder, type Context } from "ponder:registry";
import {
  agentExecution,
  decision,
  navSnapshot,
  ownerCheck,
  safeExecution,
  transfer,
  treasuryEvent,
  treasuryState,
  txCost,
} from "ponder:schema";
import { replaceBigInts } from "ponder";
import { envInt, readDeploymentFiles, rpcUrlFor } from "./lib/deployment";
import { collectAddresses, isInternal, type RegisteredAsset, type RegisteredPosition, toFloat18, usd18 } from "./lib/classify";
import { createReader, type GasReceipt } from "./lib/reader";
import { decodeSnapshot, type Holding, type Registry } from "./lib/snapshot";

const files = readDeploymentFiles();
const { file, deployment } = files[0];
const WETH = deployment.tokens.WETH?.toLowerCase();
/** Protocol contracts of the deployments: transfers with them are internal moves. */
const PROTOCOLS = new Set<string>();
for (const { deployment: d } of files) {
  for (const a of collectAddresses([d.aave, d.uniswap, d.erc4626, d.pendle, d.cow])) PROTOCOLS.add(a);
  for (const a of Object.values(d.guardrails)) if (typeof a === "string") PROTOCOLS.add(a.toLowerCase());
}

type State = typeof treasuryState.$inferSelect;
type Snapshot = typeof navSnapshot.$inferSelect;
type Block = { number: bigint; hash: `0x${string}`; timestamp: bigint };
type Tx = { hash: `0x${string}`; from: `0x${string}` };
type AnyEvent = {
  id: string;
  log: { address: `0x${string}` };
  args: Record<string, unknown>;
  block: Block;
  transaction: Tx;
};

async function getState(context: Context, t: Treasury, block: Block): Promise<State> {
  const s = await context.db.find(treasuryState, { id: t.safe });
  if (s) return s;
  const fresh: State = {
    id: t.safe, safe: t.safe, paused: false, assets: [], positions: [], maxVolatileBps: null, maxProtocolBps: null, maxPositionBps: null,
    lastDecisionHash: null, lastDecisionTx: null, lastDecisionBlock: null, updatedBlock: block.number,
  };
  await context.db.insert(treasuryState).values(fresh);
  return fresh;
}

async function setState(context: Context, t: Treasury, block: Block, patch: Partial<State>): Promise<void> {
  await getState(context, t, block);
  await context.db.update(treasuryState, { id: t.safe }).set({ ...patch, updatedBlock: block.number });
}

/** Each valuation exists from its block on (set by ponder.config.ts, which found them). */
const VALUATION_BLOCKS = JSON.parse(process.env.INDEXER_VALUATION_BLOCKS ?? "{}") as Record<string, number>;

/** One followed treasury: its Safe, its valuation, and a chain reader of its own (a read-ahead per Safe). */
interface Treasury {
  safe: `0x${string}`;
  valuationBlock: bigint;
  reader: ReturnType<typeof createReader>;
}
const TREASURIES: Treasury[] = files.map(({ deployment: d }) => {
  const safe = d.treasury.safe.toLowerCase() as `0x${string}`;
  const valuationBlock = BigInt(VALUATION_BLOCKS[safe] ?? 0);
  return {
    safe,
    valuationBlock,
    reader: createReader({
      rpcUrl: rpcUrlFor(deployment, file),
      valuation: d.guardrails.valuation as `0x${string}`,
      safe,
      watched: [safe, ...(["policy", "guard", "module"] as const).map((k) => d.guardrails[k].toLowerCase() as `0x${string}`)],
      concurrency: envInt("NAV_READ_CONCURRENCY", 16),
      lookahead: envInt("NAV_LOOKAHEAD_BLOCKS", 1_000, true),
      interval: { start: BigInt(process.env.INDEXER_VALUATION_BLOCK ?? "0"), every: BigInt(process.env.INDEXER_NAV_INTERVAL ?? "1") },
    }),
  };
});
const BY_SAFE = new Map<string, Treasury>(TREASURIES.map((t) => [t.safe, t]));
/** Emitting contract (Safe, policy, guard, module) -> its treasury. */
const BY_CONTRACT = new Map<string, Treasury>();
files.forEach(({ deployment: d }, i) => {
  for (const a of [d.treasury.safe, d.guardrails.policy, d.guardrails.guard, d.guardrails.module]) BY_CONTRACT.set(a.toLowerCase(), TREASURIES[i]);
});
/** The treasury of a Safe, policy, guard or module event (Ponder only delivers the followed contracts'). */
function treasuryOf(event: AnyEvent): Treasury {
  const t = BY_CONTRACT.get(event.log.address.toLowerCase());
  if (!t) throw new Error(`event ${event.id} from ${event.log.address}: not a contract of a followed treasury`);
  return t;
}

/**
 * NAV snapshot at the end of `block`, read once per block (the first event of a block reads it,
 * the others find the row): one multicall (see lib/snapshot.ts), usually already read ahead.
 */
async function ensureSnapshot(context: Context, t: Treasury, block: Block, trigger: "event" | "interval"): Promise<Snapshot | undefined> {
  if (block.number < t.valuationBlock) return undefined;
  const existing = await context.db.find(navSnapshot, { safe: t.safe, blockNumber: block.number });
  if (existing) return existing;
  const state = await getState(context, t, block);
  const registry = registryOf(state);
  const values = decodeSnapshot(await t.reader.nav(block, registry), registry, WETH);
  if (!values) return undefined; // valuation not usable at this block
  const row: Snapshot = { safe: t.safe, blockNumber: block.number, timestamp: block.timestamp, trigger, ...values, volatileBps: values.volatileBps };
  await context.db.insert(navSnapshot).values(row);
  return row;
}

function registryOf(state: State): Registry {
  const assets = (state.assets as RegisteredAsset[]).map((a) => a.token);
  return { assets, tokens: [...assets, ...(state.positions as RegisteredPosition[]).map((p) => p.token)] };
}

/** Gas of a treasury transaction, once per transaction, in ETH and USD at the block's WETH price. */
async function recordGas(context: Context, t: Treasury, event: AnyEvent, r: GasReceipt | null, snap: Snapshot | undefined): Promise<void> {
  if (!r) return;
  const costWei = r.gasUsed * r.effectiveGasPrice;
  const costEth = toFloat18(costWei);
  const ethUsd = snap?.ethUsd ?? null;
  await context.db.insert(txCost).values({
    safe: t.safe,
    txHash: event.transaction.hash,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    from: event.transaction.from,
    gasUsed: r.gasUsed,
    effectiveGasPrice: r.effectiveGasPrice,
    costWei,
    costEth,
    ethUsd,
    costUsd: ethUsd === null ? null : costEth * ethUsd,
  }).onConflictDoNothing();
}

/** Common part of every treasury event: NAV snapshot at its block and the transaction's gas. */
async function onTreasuryEvent(context: Context, event: AnyEvent): Promise<void> {
  const t = treasuryOf(event);
  const gasDone = await context.db.find(txCost, { safe: t.safe, txHash: event.transaction.hash });
  const [snap, receipt] = await Promise.all([
    ensureSnapshot(context, t, event.block, "event"),
    gasDone ? null : t.reader.receipt(event.transaction.hash, event.block.number),
  ]);
  if (!gasDone) await recordGas(context, t, event, receipt, snap);
}

const base = (event: AnyEvent) => ({ id: event.id, safe: treasuryOf(event).safe, txHash: event.transaction.hash, blockNumber: event.block.number, timestamp: event.block.timestamp });

async function logEvent(context: Context, event: AnyEvent, contract: string, name: string): Promise<void> {
  await context.db.insert(treasuryEvent).values({ ...base(event), contract, name, args: replaceBigInts(event.args, (v) => v.toString()) }).onConflictDoNothing();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- registering many events by name; payloads are typed by AnyEvent
const on = (name: string, fn: (event: AnyEvent, context: Context) => Promise<void>) => ponder.on(name as any, (({ event, context }: { event: AnyEvent; context: Context }) => fn(event, context)) as any);

// ------------------------------------------------------------------ Safe
on("Safe:ExecutionSuccess", async (event, context) => {
  await onTreasuryEvent(context, event);
  await context.db.insert(safeExecution).values({ ...base(event), kind: "owner", success: true, safeTxHash: event.args.txHash as `0x${string}`, payment: event.args.payment as bigint });
});
on("Safe:ExecutionFailure", async (event, context) => {
  await onTreasuryEvent(context, event);
  await context.db.insert(safeExecution).values({ ...base(event), kind: "owner", success: false, safeTxHash: event.args.txHash as `0x${string}`, payment: event.args.payment as bigint });
});
on("Safe:ExecutionFromModuleSuccess", async (event, context) => {
  await onTreasuryEvent(context, event);
  await context.db.insert(safeExecution).values({ ...base(event), kind: "module", success: true, module: event.args.module as `0x${string}` });
});
on("Safe:ExecutionFromModuleFailure", async (event, context) => {
  await onTreasuryEvent(context, event);
  await context.db.insert(safeExecution).values({ ...base(event), kind: "module", success: false, module: event.args.module as `0x${string}` });
});
for (const name of ["AddedOwner", "RemovedOwner", "ChangedThreshold", "EnabledModule", "DisabledModule", "ChangedGuard", "ChangedFallbackHandler"]) {
  on(`Safe:${name}`, async (event, context) => {
    await onTreasuryEvent(context, event);
    await logEvent(context, event, "Safe", name);
  });
}

// ------------------------------------------------------------------ TreasuryGuard
on("TreasuryGuard:OwnerTransactionChecked", async (event, context) => {
  await onTreasuryEvent(context, event);
  const a = event.args as { safeTxHash: `0x${string}`; success: boolean; navBefore: bigint; navAfter: bigint; outflowUsd: bigint; outcomeChecked: boolean };
  await context.db.insert(ownerCheck).values({
    ...base(event), safeTxHash: a.safeTxHash, success: a.success, navBeforeUsd18: a.navBefore, navAfterUsd18: a.navAfter, outflowUsd18: a.outflowUsd, outcomeChecked: a.outcomeChecked,
  });
});
for (const name of ["ExternalOutflow", "SafeConfigChange", "MessageSigned"]) {
  on(`TreasuryGuard:${name}`, async (event, context) => {
    await onTreasuryEvent(context, event);
    await logEvent(context, event, "TreasuryGuard", name);
  });
}

// ------------------------------------------------------------------ AgentModule
on("AgentModule:AgentExecuted", async (event, context) => {
  await onTreasuryEvent(context, event);
  const a = event.args as { agent: `0x${string}`; decisionHash: `0x${string}`; navBefore: bigint; navAfter: bigint; sizeUsd: bigint; usedLast24hUsd: bigint; calls: bigint; outcomeChecked: boolean };
  await context.db.insert(agentExecution).values({
    ...base(event), agent: a.agent, decisionHash: a.decisionHash, navBeforeUsd18: a.navBefore, navAfterUsd18: a.navAfter, sizeUsd18: a.sizeUsd,
    usedLast24hUsd18: a.usedLast24hUsd, calls: a.calls, outcomeChecked: a.outcomeChecked,
  });
  await recordDecision(context, event, a.decisionHash, null);
});
for (const name of ["EmergencyExitStarted", "PositionExited"]) {
  on(`AgentModule:${name}`, async (event, context) => {
    await onTreasuryEvent(context, event);
    await logEvent(context, event, "AgentModule", name);
  });
}

async function recordDecision(context: Context, event: AnyEvent, decisionHash: `0x${string}`, by: `0x${string}` | null): Promise<void> {
  const t = treasuryOf(event);
  const id = `${event.transaction.hash}-${decisionHash}`;
  // Both AgentExecuted and DecisionRecorded can name one decision of one transaction: one row.
  const known = await context.db.find(decision, { safe: t.safe, id });
  if (!known) {
    await context.db.insert(decision).values({ id, safe: t.safe, txHash: event.transaction.hash, blockNumber: event.block.number, timestamp: event.block.timestamp, decisionHash, recordedBy: by });
  } else if (known.recordedBy === null && by !== null) {
    await context.db.update(decision, { safe: t.safe, id }).set({ recordedBy: by });
  }
  await setState(context, t, event.block, { lastDecisionHash: decisionHash, lastDecisionTx: event.transaction.hash, lastDecisionBlock: event.block.number });
}

// ------------------------------------------------------------------ TreasuryPolicy
on("TreasuryPolicy:DecisionRecorded", async (event, context) => {
  await onTreasuryEvent(context, event);
  await recordDecision(context, event, event.args.decisionHash as `0x${string}`, event.args.by as `0x${string}`);
});
on("TreasuryPolicy:AssetSet", async (event, context) => {
  const a = event.args as { token: string; feed: string; class: number; decimals: number };
  const state = await getState(context, treasuryOf(event), event.block);
  const token = a.token.toLowerCase();
  const assets = (state.assets as RegisteredAsset[]).filter((x) => x.token !== token);
  assets.push({ token, decimals: Number(a.decimals), assetClass: Number(a.class), feed: a.feed.toLowerCase() });
  await setState(context, treasuryOf(event), event.block, { assets });
  await logEvent(context, event, "TreasuryPolicy", "AssetSet");
  await onTreasuryEvent(context, event);
});
on("TreasuryPolicy:AssetRemoved", async (event, context) => {
  const state = await getState(context, treasuryOf(event), event.block);
  const token = (event.args.token as string).toLowerCase();
  await setState(context, treasuryOf(event), event.block, { assets: (state.assets as RegisteredAsset[]).filter((x) => x.token !== token) });
  await logEvent(context, event, "TreasuryPolicy", "AssetRemoved");
  await onTreasuryEvent(context, event);
});
on("TreasuryPolicy:PositionSet", async (event, context) => {
  const a = event.args as { token: string; kind: number; underlying: string; protocol: string; venue: string; market: string };
  const state = await getState(context, treasuryOf(event), event.block);
  const token = a.token.toLowerCase();
  const positions = (state.positions as RegisteredPosition[]).filter((x) => x.token !== token);
  positions.push({ token, kind: Number(a.kind), underlying: a.underlying.toLowerCase(), protocol: a.protocol, venue: a.venue.toLowerCase(), market: a.market.toLowerCase() });
  await setState(context, treasuryOf(event), event.block, { positions });
  await logEvent(context, event, "TreasuryPolicy", "PositionSet");
  await onTreasuryEvent(context, event);
});
on("TreasuryPolicy:PositionRemoved", async (event, context) => {
  const state = await getState(context, treasuryOf(event), event.block);
  const token = (event.args.token as string).toLowerCase();
  await setState(context, treasuryOf(event), event.block, { positions: (state.positions as RegisteredPosition[]).filter((x) => x.token !== token) });
  await logEvent(context, event, "TreasuryPolicy", "PositionRemoved");
  await onTreasuryEvent(context, event);
});
on("TreasuryPolicy:CapsSet", async (event, context) => {
  const a = event.args as { maxVolatileBps: number; maxProtocolBps: number; maxPositionBps: number };
  await setState(context, treasuryOf(event), event.block, { maxVolatileBps: Number(a.maxVolatileBps), maxProtocolBps: Number(a.maxProtocolBps), maxPositionBps: Number(a.maxPositionBps) });
  await logEvent(context, event, "TreasuryPolicy", "CapsSet");
  await onTreasuryEvent(context, event);
});
on("TreasuryPolicy:Paused", async (event, context) => {
  await setState(context, treasuryOf(event), event.block, { paused: true });
  await logEvent(context, event, "TreasuryPolicy", "Paused");
  await onTreasuryEvent(context, event);
});
on("TreasuryPolicy:Unpaused", async (event, context) => {
  await setState(context, treasuryOf(event), event.block, { paused: false });
  await logEvent(context, event, "TreasuryPolicy", "Unpaused");
  await onTreasuryEvent(context, event);
});
for (const name of [
  "AgentSet", "CallRuleSet", "ChangeCancelled", "ChangeExecuted", "ChangeScheduled", "DelaySet", "EntryPointsBound", "GuardianSet", "LimitsSet", "PayeeSet", "SpenderSet",
]) {
  on(`TreasuryPolicy:${name}`, async (event, context) => {
    await logEvent(context, event, "TreasuryPolicy", name);
    await onTreasuryEvent(context, event);
  });
}

// ------------------------------------------------------------------ token transfers of the Safe
async function onTransfer(event: AnyEvent, context: Context, incoming: boolean): Promise<void> {
  const { from, to, value } = event.args as { from: `0x${string}`; to: `0x${string}`; value: bigint };
  if (from.toLowerCase() === to.toLowerCase()) return; // a self-transfer moves nothing
  // The In sources match `to` against the followed Safes, the Out sources `from`: a transfer between
  // two followed Safes is an "out" row of one and an "in" row of the other.
  const t = BY_SAFE.get((incoming ? to : from).toLowerCase());
  if (!t) return;
  const counterparty = (incoming ? from : to).toLowerCase() as `0x${string}`;
  const state = await getState(context, t, event.block);
  const token = event.log.address.toLowerCase() as `0x${string}`;
  // A token registered by another followed treasury's policy only: not one this treasury follows.
  if (TREASURIES.length > 1 && ![...(state.assets as RegisteredAsset[]), ...(state.positions as RegisteredPosition[])].some((x) => x.token === token)) return;
  const external = !isInternal(counterparty, PROTOCOLS, state.positions as RegisteredPosition[]);
  const snap = await ensureSnapshot(context, t, event.block, "event");
  let flowUsd18: bigint | null = null;
  if (external) {
    const v = flowValue(token, value, state, snap);
    flowUsd18 = incoming ? v : -v;
  }
  await context.db.insert(transfer).values({
    id: event.id, safe: t.safe, txHash: event.transaction.hash, blockNumber: event.block.number, timestamp: event.block.timestamp, token, from: from.toLowerCase() as `0x${string}`, to: to.toLowerCase() as `0x${string}`, amount: value,
    direction: incoming ? "in" : "out", counterparty, external, flowUsd18,
  });
}

/**
 * USD value of an external flow at its block: registered assets at the valuation's price; a
 * position at its value per unit in the same snapshot (the Safe still holds some after a deposit).
 * A position paid out entirely has no per-unit value left at that block: counted as 0 (logged).
 */
function flowValue(token: string, amount: bigint, state: State, snap: Snapshot | undefined): bigint {
  if (!snap) return 0n;
  const asset = (state.assets as RegisteredAsset[]).find((a) => a.token === token);
  const price = (snap.prices as Record<string, string>)[token];
  if (asset && price) return usd18(amount, BigInt(price), asset.decimals);
  const h = (snap.holdings as Holding[]).find((x) => x.token === token);
  if (h && BigInt(h.balance) > 0n) return (amount * BigInt(h.valueUsd18)) / BigInt(h.balance);
  console.warn(`no USD value for an external flow of ${amount} of ${token} at block ${snap.blockNumber}: counted as 0`);
  return 0n;
}

for (const source of ["AssetTokenIn", "AssetTokenOut", "PositionTokenIn", "PositionTokenOut"]) {
  on(`${source}:Transfer`, (event, context) => onTransfer(event, context, source.endsWith("In")));
}

// ------------------------------------------------------------------ NAV on a block interval
ponder.on("NavInterval:block", async ({ event, context }) => {
  // One block source for all (from the first valuation): each Safe from its own valuation on.
  for (const t of TREASURIES) await ensureSnapshot(context, t, event.block, "interval");
});
