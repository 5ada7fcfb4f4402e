// The indexer's tables. Amounts are raw integers (bigint); USD values from TreasuryValuation are
// 18-decimal integers (bigint, suffix Usd18); derived floats (ETH, USD) are doubles for charts.
// Every row names its treasury (`safe`, lowercase): one indexer may follow several Safes
// (INDEXER_DEPLOYMENTS), and rows kept per Safe (a NAV per block, one state) are keyed by it.
import { index, onchainTable, primaryKey } from "ponder";

/** Safe executions: owner transactions (ExecutionSuccess/Failure) and module calls (ExecutionFromModule*). */
export const safeExecution = onchainTable(
  "safe_execution",
  (t) => ({
    id: t.text().primaryKey(),
    safe: t.hex().notNull(), // the treasury this row belongs to
    txHash: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    kind: t.text().notNull(), // "owner" | "module"
    success: t.boolean().notNull(),
    safeTxHash: t.hex(), // owner transactions
    module: t.hex(), // module calls
    payment: t.bigint(),
  }),
  (table) => ({ txIdx: index().on(table.txHash) }),
);

/** TreasuryGuard.OwnerTransactionChecked: an owner transaction and its NAV before/after. */
export const ownerCheck = onchainTable(
  "owner_check",
  (t) => ({
    id: t.text().primaryKey(),
    safe: t.hex().notNull(), // the treasury this row belongs to
    txHash: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    safeTxHash: t.hex().notNull(),
    success: t.boolean().notNull(),
    navBeforeUsd18: t.bigint().notNull(),
    navAfterUsd18: t.bigint().notNull(),
    outflowUsd18: t.bigint().notNull(),
    outcomeChecked: t.boolean().notNull(),
  }),
  (table) => ({ txIdx: index().on(table.txHash) }),
);

/** AgentModule.AgentExecuted: an agent batch through the module. */
export const agentExecution = onchainTable(
  "agent_execution",
  (t) => ({
    id: t.text().primaryKey(),
    safe: t.hex().notNull(), // the treasury this row belongs to
    txHash: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    agent: t.hex().notNull(),
    decisionHash: t.hex().notNull(),
    navBeforeUsd18: t.bigint().notNull(),
    navAfterUsd18: t.bigint().notNull(),
    sizeUsd18: t.bigint().notNull(),
    usedLast24hUsd18: t.bigint().notNull(),
    calls: t.bigint().notNull(),
    outcomeChecked: t.boolean().notNull(),
  }),
  (table) => ({ txIdx: index().on(table.txHash) }),
);

/** Decision receipts: TreasuryPolicy.DecisionRecorded (owner or agent batch) and AgentExecuted's hash. */
export const decision = onchainTable(
  "decision",
  (t) => ({
    id: t.text().notNull(), // txHash-decisionHash: one row per decision per transaction
    safe: t.hex().notNull(), // the treasury this row belongs to
    txHash: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    decisionHash: t.hex().notNull(),
    recordedBy: t.hex(), // DecisionRecorded.by (the Safe)
  }),
  (table) => ({ pk: primaryKey({ columns: [table.safe, table.id] }), blockIdx: index().on(table.blockNumber) }),
);

/**
 * Every other treasury event (policy configuration, pauses, timelock, Safe configuration changes,
 * guard outflows, emergency exits), decoded: contract, event name and arguments as JSON.
 */
export const treasuryEvent = onchainTable(
  "treasury_event",
  (t) => ({
    id: t.text().primaryKey(),
    safe: t.hex().notNull(), // the treasury this row belongs to
    txHash: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    contract: t.text().notNull(), // Safe | TreasuryPolicy | TreasuryGuard | AgentModule
    name: t.text().notNull(),
    args: t.json().notNull(),
  }),
  (table) => ({ nameIdx: index().on(table.name), blockIdx: index().on(table.blockNumber) }),
);

/**
 * ERC-20 transfers into and out of the Safe for every registered asset and position. `external`
 * = a cash flow (deposit from outside, payment to a payee), valued in USD; otherwise an internal
 * move to or from a protocol (or a mint/burn), which does not change what the owners put in.
 */
export const transfer = onchainTable(
  "transfer",
  (t) => ({
    id: t.text().notNull(),
    safe: t.hex().notNull(), // the treasury this row belongs to
    txHash: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    token: t.hex().notNull(),
    from: t.hex().notNull(),
    to: t.hex().notNull(),
    amount: t.bigint().notNull(),
    direction: t.text().notNull(), // "in" | "out"
    counterparty: t.hex().notNull(),
    external: t.boolean().notNull(),
    /** Signed USD value of an external flow (deposit > 0, payment < 0), 18 decimals; null if internal. */
    flowUsd18: t.bigint(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.safe, table.id] }), blockIdx: index().on(table.blockNumber), externalIdx: index().on(table.external) }),
);

/** Gas paid by each treasury transaction (executor or agent), in ETH and USD (WETH feed price). */
export const txCost = onchainTable("tx_cost", (t) => ({
  safe: t.hex().notNull(),
  txHash: t.hex().notNull(),
  blockNumber: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
  from: t.hex().notNull(),
  gasUsed: t.bigint().notNull(),
  effectiveGasPrice: t.bigint().notNull(),
  costWei: t.bigint().notNull(),
  costEth: t.doublePrecision().notNull(),
  ethUsd: t.doublePrecision(),
  costUsd: t.doublePrecision(),
}), (table) => ({ pk: primaryKey({ columns: [table.safe, table.txHash] }) }));

/**
 * NAV and allocation read from TreasuryValuation at the end of a block: every block with a
 * treasury event, and every NAV_INTERVAL_BLOCKS blocks so yield that accrues without events shows.
 * holdings: [{token, balance, valueUsd18, bps}] in the valuation's order (assets then positions).
 */
export const navSnapshot = onchainTable("nav_snapshot", (t) => ({
  safe: t.hex().notNull(),
  blockNumber: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
  trigger: t.text().notNull(), // "event" | "interval"
  healthy: t.boolean().notNull(),
  navUsd18: t.bigint().notNull(),
  nav: t.doublePrecision().notNull(),
  volatileBps: t.integer(),
  holdings: t.json().notNull(),
  protocols: t.json().notNull(), // [{id, bps}]
  prices: t.json().notNull(), // {asset: USD 18-dec string} for every registered asset with a price
  ethUsd: t.doublePrecision(),
}), (table) => ({ pk: primaryKey({ columns: [table.safe, table.blockNumber] }) }));

/** Current treasury state rebuilt from events (one row per Safe, id = the Safe's lowercase address). */
export const treasuryState = onchainTable("treasury_state", (t) => ({
  id: t.text().primaryKey(),
  safe: t.hex().notNull(),
  paused: t.boolean().notNull(),
  /** Registered assets: [{token, decimals, class, feed}] (AssetSet/AssetRemoved). */
  assets: t.json().notNull(),
  /** Registered positions: [{token, kind, underlying, protocol}] (PositionSet/PositionRemoved). */
  positions: t.json().notNull(),
  maxVolatileBps: t.integer(),
  maxProtocolBps: t.integer(),
  maxPositionBps: t.integer(),
  lastDecisionHash: t.hex(),
  lastDecisionTx: t.hex(),
  lastDecisionBlock: t.bigint(),
  updatedBlock: t.bigint().notNull(),
}));
