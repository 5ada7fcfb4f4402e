// The guardian's emergency exit: AgentModule.emergencyExit() pauses the agent and unwinds every
// position into the Safe in one transaction; what came back is read from its PositionExited events.
import { createWalletClient, http, parseEventLogs, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { withGasMargin } from "../../../lib/chain";
import { moduleAbi, type ExecContext } from "../execute";
import { whyReverted } from "./errors";

export interface ExitReport {
  txHash: Hex;
  guardian: Address;
  exited: { token: Address; success: boolean; balanceBefore: bigint; balanceAfter: bigint }[];
}

export async function emergencyExit(ctx: ExecContext, rpcUrl: string, guardianKey: Hex): Promise<ExitReport> {
  const account = privateKeyToAccount(guardianKey);
  const wallet = createWalletClient({ account, transport: http(rpcUrl) });
  const chain = { id: ctx.chainId, name: "treasury", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } };
  // Simulate first: a non-guardian or a broken module is refused before anything is sent.
  const { request } = await ctx.client.simulateContract({ account, address: ctx.module, abi: moduleAbi, functionName: "emergencyExit" });
  // The exit withdraws from Aave and Uniswap, whose gas grows when the mined block's second differs
  // from the estimate's: the limit carries the margin, or the exit itself could run out of gas.
  const gas = await ctx.client.estimateContractGas({ account, address: ctx.module, abi: moduleAbi, functionName: "emergencyExit" });
  const txHash = await wallet.writeContract({ ...request, chain, gas: withGasMargin(gas) });
  const receipt = await ctx.client.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== "success") throw new Error(`emergencyExit ${txHash} ${await whyReverted(ctx.client, receipt)}`);
  const exited = parseEventLogs({ abi: moduleAbi, logs: receipt.logs, eventName: "PositionExited" }).map((e) => ({ ...e.args }));
  ctx.log.warn({ txHash, guardian: account.address, positions: exited.length }, "emergency exit done; the agent is paused");
  return { txHash, guardian: account.address, exited };
}
