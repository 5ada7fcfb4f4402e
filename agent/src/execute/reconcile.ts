// After a restart: settle every journaled act whose result was not recorded (a crash after signing,
// after broadcasting, after computing the safeTxHash or after proposing). Evidence, in order: the
// transaction by hash, the AgentExecuted / DecisionRecorded events by decision hash, the agent's or
// the Safe's nonce, the transaction service. Nothing here decides anything new: it completes or
// closes what was started, so a decision is never executed or proposed twice.
import { getAddress, keccak256, parseTransaction, recoverTransactionAddress, type Hex, type TransactionSerializedEIP1559 } from "viem";
import { errorText } from "../cycle/errors";
import { moduleAbi, policyAbi, safeAbi } from "./abi";
import { settleModuleTx } from "./module";
import { proposeDecision } from "./propose";
import { apiKitFor, txServiceError } from "../safe";
import type { DecisionRow } from "../journal";
import type { BatchCall, ExecContext } from "./types";

export interface Reconciled {
  hash: Hex;
  from: string;
  to: string;
  how: string;
}

function callsOf(row: DecisionRow): BatchCall[] {
  const calls = (row.body.plan as { calls?: { to: `0x${string}`; value: string; data: Hex }[] }).calls ?? [];
  return calls.map((c) => ({ to: c.to, value: BigInt(c.value), data: c.data }));
}

async function agentExecutedTx(ctx: ExecContext, row: DecisionRow): Promise<Hex | undefined> {
  const logs = await ctx.client.getContractEvents({ address: ctx.module, abi: moduleAbi, eventName: "AgentExecuted", args: { decisionHash: row.hash }, fromBlock: BigInt(row.body.block) });
  return logs[0]?.transactionHash ?? undefined;
}

async function decisionRecordedTx(ctx: ExecContext, row: DecisionRow): Promise<Hex | undefined> {
  const logs = await ctx.client.getContractEvents({ address: ctx.policy, abi: policyAbi, eventName: "DecisionRecorded", args: { decisionHash: row.hash }, fromBlock: BigInt(row.body.block) });
  return logs[0]?.transactionHash ?? undefined;
}

async function moduleRow(ctx: ExecContext, row: DecisionRow): Promise<Reconciled> {
  const done = (to: string, how: string) => ({ hash: row.hash, from: row.status, to, how });
  if (row.txHash) {
    const known = await ctx.client.getTransaction({ hash: row.txHash }).catch(() => null);
    if (known) {
      const out = await settleModuleTx(ctx, row.hash, row.txHash);
      return done(out.status, `transaction ${row.txHash} found on chain`);
    }
  }
  const other = await agentExecutedTx(ctx, row);
  if (other) {
    const out = await settleModuleTx(ctx, row.hash, other);
    return done(out.status, `AgentExecuted for the decision found in ${other}`);
  }
  return resolveUnsent(ctx, row);
}

/** A signed module transaction the node does not know (a crash between signing and broadcasting, or
 * dropped from the mempool). The same signed bytes are sent again while the agent's nonce is free;
 * once another transaction used that nonce they can never be mined: superseded. A second, different
 * transaction is never signed for the same decision (executeViaModule refuses). */
async function resolveUnsent(ctx: ExecContext, row: DecisionRow): Promise<Reconciled> {
  const done = (to: string, how: string) => ({ hash: row.hash, from: row.status, to, how });
  if (!row.rawTx || row.agentNonce === null) {
    const reason = "no signed transaction was journaled for this decision: closed, nothing sent";
    await ctx.journal.update(row.hash, { status: "failed", reason });
    return done("failed", reason);
  }
  const raw = row.rawTx;
  const tx = parseTransaction(raw);
  const from = await recoverTransactionAddress({ serializedTransaction: raw as TransactionSerializedEIP1559 });
  const [mined, pending] = await Promise.all([
    ctx.client.getTransactionCount({ address: from, blockTag: "latest" }),
    ctx.client.getTransactionCount({ address: from, blockTag: "pending" }),
  ]);
  if (mined > row.agentNonce) {
    const reason = `superseded: the agent's nonce ${row.agentNonce} was used by another transaction, so the signed transaction ${row.txHash} can never be mined; not re-signed`;
    await ctx.journal.update(row.hash, { status: "superseded", reason });
    return done("superseded", reason);
  }
  if (pending > row.agentNonce) {
    // Another transaction holds the nonce in the mempool: wait for it to be mined or dropped.
    throw new Error(`decision ${row.hash}: the agent's nonce ${row.agentNonce} is held by another pending transaction; left open until it is mined or dropped`);
  }
  // Nonce free: the same bytes still do what was decided? eth_call them at the current state first.
  try {
    await ctx.client.call({ account: from, to: tx.to!, data: tx.data, gas: tx.gas });
  } catch (e) {
    const reason = `signed but never mined, and it would now revert (${errorText(e)}): not re-sent; the bytes are void once the agent's nonce ${row.agentNonce} is used`;
    await ctx.journal.update(row.hash, { status: "failed", reason });
    return done("failed", reason);
  }
  ctx.log.warn({ decision: row.hash, tx: row.txHash, nonce: row.agentNonce }, "re-broadcasting the journaled signed transaction");
  await ctx.client.sendRawTransaction({ serializedTransaction: raw });
  await ctx.journal.update(row.hash, { status: "sent" });
  const out = await settleModuleTx(ctx, row.hash, keccak256(raw));
  return done(out.status, `the journaled signed transaction ${row.txHash} (nonce ${row.agentNonce}) was not on chain: re-broadcast unchanged`);
}

async function proposalRow(ctx: ExecContext, row: DecisionRow, proposerKey: Hex | undefined): Promise<Reconciled> {
  const done = (to: string, how: string) => ({ hash: row.hash, from: row.status, to, how });
  if (!ctx.safeCfg || !row.safeTxHash) throw new Error(`decision ${row.hash} was being proposed: the transaction service must be configured to reconcile it`);
  const api = apiKitFor(ctx.safeCfg);
  const found = await api.getTransaction(row.safeTxHash).then(
    () => true,
    (e: { statusCode?: number }) => {
      if (e.statusCode === 404) return false;
      throw txServiceError(ctx.safeCfg!, "read of the proposal", e); // service down: leave the record as it is; the cycle stops here
    },
  );
  if (found) {
    await ctx.journal.update(row.hash, { status: "proposed", outcome: { path: "proposal", safeTxHash: row.safeTxHash, nonce: row.safeNonce, url: row.proposalUrl, status: "proposed" } });
    return done("proposed", `proposal ${row.safeTxHash} found in the transaction service`);
  }
  const recorded = await decisionRecordedTx(ctx, row);
  if (recorded) {
    await ctx.journal.update(row.hash, { status: "executed", outcome: { path: "proposal", safeTxHash: row.safeTxHash, txHash: recorded } });
    return done("executed", `DecisionRecorded found in ${recorded}`);
  }
  const safeNonce = Number(await ctx.client.readContract({ address: getAddress(ctx.safe), abi: safeAbi, functionName: "nonce" }));
  if (safeNonce > row.safeNonce) {
    const reason = `never proposed before a crash, and the Safe's nonce ${row.safeNonce} is used: closed`;
    await ctx.journal.update(row.hash, { status: "failed", reason });
    return done("failed", reason);
  }
  if (!proposerKey) throw new Error(`decision ${row.hash} was about to be proposed: the agent key is needed to finish it`);
  // Finish the interrupted act with the same nonce: the same safeTxHash, one proposal.
  const out = await proposeDecision(ctx, { hash: row.hash, calls: callsOf(row), proposerKey, rationale: row.body.rationale, nonce: row.safeNonce });
  return done(out.status, `proposal ${out.safeTxHash} sent again with the same nonce (it had not reached the service)`);
}

/** Confirmations an execution needs before it is final: 2 on the local chain (anvil, 31337), 12
 * elsewhere (Ethereum's reorgs stay well under that; finality proper is ~64 blocks), unless set. */
export const defaultConfirmations = (chainId: number): number => (chainId === 31337 ? 2 : 12);

/** The transaction that executed a decision, as journaled (module: its own; owners: the Safe's). */
function executionTx(row: DecisionRow): Hex | undefined {
  const o = (row.outcome ?? {}) as { txHash?: Hex; executedTx?: Hex; path?: string };
  if (row.path === "module") return row.txHash ?? o.txHash;
  return o.executedTx ?? o.txHash;
}

/**
 * An open proposal: executed elsewhere (the owners through `treasury sign`/`execute`, the Safe web
 * app: its DecisionRecorded is on chain) → executed; its Safe nonce used by another transaction
 * without that event → superseded, with the reason (the day is planned again at the new nonce);
 * otherwise still waiting for signatures (nothing changes).
 */
async function openProposal(ctx: ExecContext, row: DecisionRow): Promise<Reconciled | undefined> {
  const done = (to: string, how: string) => ({ hash: row.hash, from: row.status, to, how });
  const recorded = await ctx.client.getContractEvents({ address: ctx.policy, abi: policyAbi, eventName: "DecisionRecorded", args: { decisionHash: row.hash }, fromBlock: BigInt(row.body.block) });
  if (recorded[0]) {
    const txHash = recorded[0].transactionHash;
    await ctx.journal.update(row.hash, { status: "executed", final: false, outcome: { ...((row.outcome ?? {}) as object), path: "proposal", safeTxHash: row.safeTxHash, txHash, blockNumber: recorded[0].blockNumber } });
    return done("executed", `DecisionRecorded found in ${txHash} (executed by the owners)`);
  }
  const safeNonce = Number(await ctx.client.readContract({ address: getAddress(ctx.safe), abi: safeAbi, functionName: "nonce" }));
  if (safeNonce > row.safeNonce) {
    const reason = `superseded: the Safe's nonce ${row.safeNonce} was used by another transaction without this decision's DecisionRecorded, so proposal ${row.safeTxHash} can never be executed; the day is planned again at nonce ${safeNonce}`;
    await ctx.journal.update(row.hash, { status: "superseded", reason });
    return done("superseded", reason);
  }
  return undefined;
}

/**
 * An execution not yet final: its receipt is read again. Gone (the block was reorged out) → the
 * decision is reopened: a module transaction goes back to `sent` and is settled as one that left
 * the node (the same signed bytes re-broadcast while the agent's nonce is free, else superseded);
 * an owners' execution goes back to `proposed` (its proposal may be executed again, or superseded).
 * Deep enough → final, and never looked at again.
 */
async function unconfirmed(ctx: ExecContext, row: DecisionRow, need: number, head: bigint): Promise<Reconciled | undefined> {
  const done = (to: string, how: string) => ({ hash: row.hash, from: row.status, to, how });
  let tx = executionTx(row);
  if (!tx) tx = row.path === "module" ? await agentExecutedTx(ctx, row) : await decisionRecordedTx(ctx, row);
  const receipt = tx ? await ctx.client.getTransactionReceipt({ hash: tx }).catch(() => null) : null;
  if (receipt) {
    if (head - receipt.blockNumber + 1n >= BigInt(need)) await ctx.journal.update(row.hash, { final: true });
    return undefined;
  }
  const how = `its transaction ${tx ?? "(unknown)"} is no longer in the chain (a reorg removed its block) before ${need} confirmations`;
  ctx.log.warn({ decision: row.hash, tx }, "an execution was reorged out: reopened");
  if (row.path === "module") {
    await ctx.journal.update(row.hash, { status: "sent", final: false });
    const r = await moduleRow(ctx, { ...row, status: "sent" });
    return done(r.to, `${how}; reopened: ${r.how}`);
  }
  await ctx.journal.update(row.hash, { status: "proposed", final: false });
  const r = await openProposal(ctx, { ...row, status: "proposed" });
  return done(r?.to ?? "proposed", `${how}; reopened: ${r?.how ?? "the proposal waits for its execution again"}`);
}

export async function reconcile(ctx: ExecContext, keys: { proposerKey?: Hex } = {}): Promise<Reconciled[]> {
  const out: Reconciled[] = [];
  const prefix = `${ctx.chainId}:${ctx.safe}:`;
  const note = async (row: DecisionRow, r: Reconciled) => {
    ctx.log.warn(r, "reconciled a decision");
    await ctx.journal.event(row.cycleKey, "reconciled", r, row.hash);
    out.push(r);
  };
  for (const row of await ctx.journal.unfinished(prefix)) await note(row, row.path === "module" ? await moduleRow(ctx, row) : await proposalRow(ctx, row, keys.proposerKey));
  const need = ctx.confirmations ?? defaultConfirmations(ctx.chainId);
  const head = await ctx.client.getBlockNumber();
  for (const row of await ctx.journal.watched(prefix)) {
    if (row.status === "decided") {
      // Inserted, then the process stopped before its write-ahead: nothing left it. Only one process
      // acts per Safe (the journal's lock), so no other one is about to send it.
      const reason = "the process stopped after deciding, before anything was signed or proposed: closed, nothing sent";
      await ctx.journal.update(row.hash, { status: "failed", reason });
      await note(row, { hash: row.hash, from: "decided", to: "failed", how: reason });
    } else if (row.status === "proposed") {
      const r = await openProposal(ctx, row);
      if (r) await note(row, r);
    } else if (row.status === "executed") {
      const r = await unconfirmed(ctx, row, need, head);
      if (r) await note(row, r);
    }
  }
  return out;
}
