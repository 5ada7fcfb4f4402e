import type { Address, Hex, PublicClient } from "viem";
import type { Logger } from "pino";
import type { Journal } from "../journal";
import type { SafeClientConfig } from "../safe";

/** One call of an agent batch (CALL only), as AgentModule.execute takes it. */
export interface BatchCall {
  to: Address;
  value: bigint;
  data: Hex;
}

export interface ExecContext {
  client: PublicClient;
  journal: Journal;
  log: Logger;
  chainId: number;
  safe: Address;
  module: Address;
  policy: Address;
  /** Owner path: the Safe clients' settings (RPC, tx service, contract networks). */
  safeCfg?: SafeClientConfig;
  env?: NodeJS.ProcessEnv;
  /** Confirmations before an execution is final (reconcile.ts defaultConfirmations when absent). */
  confirmations?: number;
}

export interface ModuleOutcome {
  path: "module";
  txHash: Hex;
  status: "executed" | "failed";
  blockNumber?: bigint;
  gasUsed?: bigint;
  event?: { navBefore: bigint; navAfter: bigint; sizeUsd: bigint; usedLast24hUsd: bigint; calls: bigint };
  reason?: string;
}

export interface ProposalOutcome {
  path: "proposal";
  safeTxHash: Hex;
  nonce: number;
  url: string;
  status: "proposed";
}
