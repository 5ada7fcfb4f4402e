// The autonomous path: AgentModule.execute(batch, decisionHash) from the agent key. The transaction
// is signed locally and its raw bytes and hash are journaled BEFORE it is broadcast, so after a crash
// the restart finds it by hash (or sees its nonce used) instead of deciding and sending again.
import { encodeFunctionData, keccak256, parseEventLogs, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { withGasMargin } from "../../../lib/chain";
import { moduleAbi } from "./abi";
import { crashPoint } from "./crash";
import type { BatchCall, ExecContext, ModuleOutcome } from "./types";

export async function executeViaModule(ctx: ExecContext, p: { hash: Hex; calls: BatchCall[]; agentKey: Hex }): Promise<ModuleOutcome> {
  const prior = await ctx.journal.get(p.hash);
  if (prior?.rawTx) {
    // One signed transaction per decision, ever: a dropped or superseded one is resolved by
    // reconciliation (re-broadcast or closed), never replaced by a second, different one.
    throw new Error(`decision ${p.hash} already has a signed transaction ${prior.txHash} (${prior.status}): a second, different transaction is never signed for the same decision`);
  }
  // The module executes a decision once (DecisionAlreadyExecuted). When it already did (an older
  // journal restored from a backup, another agent process on this Safe), record that execution and
  // send nothing: the refusal on chain is the backstop, this read keeps the journal true.
  if (await ctx.client.readContract({ address: ctx.module, abi: moduleAbi, functionName: "executedDecision", args: [p.hash] })) {
    const fromBlock = prior ? BigInt(prior.body.block) : 0n;
    const logs = await ctx.client.getContractEvents({ address: ctx.module, abi: moduleAbi, eventName: "AgentExecuted", args: { decisionHash: p.hash }, fromBlock });
    if (!logs[0]) throw new Error(`decision ${p.hash} is marked executed by the AgentModule but no AgentExecuted event was found from block ${fromBlock}: check the module address in the deployment`);
    ctx.log.warn({ decision: p.hash, tx: logs[0].transactionHash }, "the module already executed this decision: recording it, sending nothing");
    return settleModuleTx(ctx, p.hash, logs[0].transactionHash);
  }
  const account = privateKeyToAccount(p.agentKey);
  const data = encodeFunctionData({ abi: moduleAbi, functionName: "execute", args: [p.calls, p.hash] });
  const nonce = await ctx.client.getTransactionCount({ address: account.address, blockTag: "pending" });
  const gas = await ctx.client.estimateGas({ account: account.address, to: ctx.module, data });
  const fees = await ctx.client.estimateFeesPerGas();
  const raw = await account.signTransaction({
    type: "eip1559",
    chainId: ctx.chainId,
    to: ctx.module,
    data,
    nonce,
    gas: withGasMargin(gas),
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  });
  const txHash = keccak256(raw);
  await ctx.journal.update(p.hash, { status: "sending", rawTx: raw, txHash, agentNonce: nonce });
  crashPoint("after-sign-before-send", ctx.env);
  ctx.log.info({ decision: p.hash, tx: txHash, nonce }, "sending AgentModule.execute");
  await ctx.client.sendRawTransaction({ serializedTransaction: raw });
  crashPoint("after-send-before-record", ctx.env);
  await ctx.journal.update(p.hash, { status: "sent" });
  crashPoint("after-send-recorded", ctx.env);
  return settleModuleTx(ctx, p.hash, txHash);
}

/** Wait for the receipt, read AgentExecuted (it must carry the decision hash), record the result. */
export async function settleModuleTx(ctx: ExecContext, hash: Hex, txHash: Hex): Promise<ModuleOutcome> {
  const receipt = await ctx.client.waitForTransactionReceipt({ hash: txHash });
  const ev = parseEventLogs({ abi: moduleAbi, logs: receipt.logs, eventName: "AgentExecuted" }).find(
    (e) => e.address.toLowerCase() === ctx.module.toLowerCase() && e.args.decisionHash.toLowerCase() === hash.toLowerCase(),
  );
  if (receipt.status !== "success" || !ev) {
    const reason = receipt.status !== "success" ? `transaction ${txHash} reverted on chain` : `transaction ${txHash} has no AgentExecuted for ${hash}`;
    await ctx.journal.update(hash, { status: "failed", reason, outcome: { txHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed } });
    return { path: "module", txHash, status: "failed", blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, reason };
  }
  const { navBefore, navAfter, sizeUsd, usedLast24hUsd, calls } = ev.args;
  const out: ModuleOutcome = { path: "module", txHash, status: "executed", blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, event: { navBefore, navAfter, sizeUsd, usedLast24hUsd, calls } };
  await ctx.journal.update(hash, { status: "executed", outcome: out });
  return out;
}
