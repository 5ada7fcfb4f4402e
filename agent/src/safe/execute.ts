// Execute a proposed transaction once it has enough confirmations: rebuilt and hash-checked locally,
// sent with protocol-kit (an owner executor adds its own pre-validated signature) and a gas margin,
// the receipt checked for the Safe's ExecutionSuccess of this safeTxHash.
import { createPublicClient, http, parseEventLogs, parseAbi, type Hex } from "viem";
import { executeWithMargin } from "../../../lib/chain";
import { whyReverted } from "../cycle/errors";
import { fetchVerified } from "./confirm";
import type { SafeClientConfig } from "./kits";

const SAFE_EVENTS = parseAbi(["event ExecutionSuccess(bytes32 indexed txHash, uint256 payment)", "event ExecutionFailure(bytes32 indexed txHash, uint256 payment)"]);

export interface Executed {
  txHash: Hex;
  blockNumber: bigint;
  gasUsed: bigint;
}

export async function executeProposed(cfg: SafeClientConfig, safeTxHash: Hex, executorKey: Hex): Promise<Executed> {
  const { kit, signer, served } = await fetchVerified(cfg, safeTxHash, executorKey);
  if (served.isExecuted) throw new Error(`transaction ${safeTxHash} is already executed (tx ${served.transactionHash})`);
  const threshold = await kit.getThreshold();
  const confirmations = served.confirmations?.length ?? 0;
  const executorCounts = (await kit.isOwner(signer)) && !served.confirmations?.some((c) => c.owner.toLowerCase() === signer.toLowerCase());
  if (confirmations + (executorCounts ? 1 : 0) < threshold) {
    throw new Error(`transaction ${safeTxHash} has ${confirmations} of ${threshold} confirmations${executorCounts ? " (+1 from the executor)" : ""}: more owners must confirm first`);
  }
  const res = await executeWithMargin(kit, await kit.toSafeTransactionType(served));
  const client = createPublicClient({ transport: http(cfg.rpcUrl) });
  const receipt = await client.waitForTransactionReceipt({ hash: res.hash as Hex });
  const events = parseEventLogs({ abi: SAFE_EVENTS, logs: receipt.logs }).filter((e) => e.address.toLowerCase() === cfg.safeAddress.toLowerCase() && e.args.txHash === safeTxHash.toLowerCase());
  if (receipt.status !== "success" || !events.some((e) => e.eventName === "ExecutionSuccess")) {
    const why = receipt.status === "success" ? (events.length ? "ExecutionFailure: the inner call failed within safeTxGas" : "no Safe event for this safeTxHash") : await whyReverted(client, receipt);
    throw new Error(`transaction ${safeTxHash} was sent in ${receipt.transactionHash} but the Safe did not report ExecutionSuccess: ${why}`);
  }
  return { txHash: receipt.transactionHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed };
}
