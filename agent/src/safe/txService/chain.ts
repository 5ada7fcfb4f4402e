// What the service reads from the chain, with viem: the Safe's state (as GET /v1/safes/{a}/ shows it),
// signature checks that need the chain, and executed Safe transactions from the Safe's own events.
import { createPublicClient, getAddress, http, keccak256, parseAbi, parseAbiItem, slice, stringToBytes, decodeAbiParameters, zeroHash, type Address, type Hex, type PublicClient } from "viem";
import type { ParsedSignature } from "./signatures";

const SAFE_ABI = parseAbi([
  "function VERSION() view returns (string)",
  "function getOwners() view returns (address[])",
  "function getThreshold() view returns (uint256)",
  "function nonce() view returns (uint256)",
  "function getModulesPaginated(address start, uint256 pageSize) view returns (address[] array, address next)",
  "function approvedHashes(address owner, bytes32 hash) view returns (uint256)",
]);
const EIP1271_ABI = parseAbi(["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"]);
const EXECUTION_SUCCESS = parseAbiItem("event ExecutionSuccess(bytes32 indexed txHash, uint256 payment)");
const EXECUTION_FAILURE = parseAbiItem("event ExecutionFailure(bytes32 indexed txHash, uint256 payment)");
const SAFE_MULTISIG_TX = parseAbiItem(
  "event SafeMultiSigTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures, bytes additionalInfo)",
);
const SENTINEL = "0x0000000000000000000000000000000000000001";
const slot = (s: string) => keccak256(stringToBytes(s));
const FALLBACK_SLOT = slot("fallback_manager.handler.address");
const GUARD_SLOT = slot("guard_manager.guard.address");

export interface SafeState {
  address: Address;
  nonce: bigint;
  threshold: number;
  owners: Address[];
  masterCopy: Address;
  modules: Address[];
  fallbackHandler: Address;
  guard: Address;
  version: string;
}

export interface ExecutedTx {
  safeTxHash: Hex;
  /** From the SafeL2 event; undefined for a non-L2 Safe's transactions the service never stored. */
  nonce?: bigint;
  txHash: Hex;
  blockNumber: bigint;
  success: boolean;
  executor?: Address;
  timestamp?: string;
}

export class NotASafeError extends Error {}

const addrAt = async (c: PublicClient, a: Address, s: Hex): Promise<Address> => getAddress(slice((await c.getStorageAt({ address: a, slot: s })) ?? zeroHash, 12, 32) as Hex);

export class SafeChain {
  readonly client: PublicClient;
  private chainIdCache?: number;
  /** Per Safe: the executed transactions seen so far and the last block scanned. */
  private executed = new Map<Address, { to: bigint; txs: Map<Hex, ExecutedTx> }>();

  constructor(rpcUrl: string) {
    // cacheTime 0: a cached block number would hide a transaction executed a moment ago.
    this.client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }), cacheTime: 0 });
  }

  async chainId(): Promise<number> {
    return (this.chainIdCache ??= await this.client.getChainId());
  }

  async safeState(address: Address): Promise<SafeState> {
    const c = this.client;
    const code = await c.getCode({ address });
    if (!code || code === "0x") throw new NotASafeError(`${address} has no code`);
    const read = <T>(functionName: "VERSION" | "getOwners" | "getThreshold" | "nonce") => c.readContract({ address, abi: SAFE_ABI, functionName }) as Promise<T>;
    let version: string, owners: Address[], threshold: bigint, nonce: bigint;
    try {
      [version, owners, threshold, nonce] = await Promise.all([read<string>("VERSION"), read<Address[]>("getOwners"), read<bigint>("getThreshold"), read<bigint>("nonce")]);
    } catch (err) {
      throw new NotASafeError(`${address} does not answer as a Safe: ${(err as Error).message.split("\n")[0]}`);
    }
    const [modules] = await c.readContract({ address, abi: SAFE_ABI, functionName: "getModulesPaginated", args: [SENTINEL, 50n] });
    const [masterCopy, fallbackHandler, guard] = await Promise.all([addrAt(c, address, zeroHash), addrAt(c, address, FALLBACK_SLOT), addrAt(c, address, GUARD_SLOT)]);
    return { address, nonce, threshold: Number(threshold), owners: owners.map((o) => getAddress(o)), masterCopy, modules: [...modules], fallbackHandler, guard, version };
  }

  /** Whether a parsed signature is valid: EOA/eth_sign are (the owner was recovered); the others ask the chain. */
  async isValid(sig: ParsedSignature, safe: Address, hash: Hex): Promise<boolean> {
    if (sig.type === "EOA" || sig.type === "ETH_SIGN") return true;
    if (sig.type === "APPROVED_HASH") return (await this.client.readContract({ address: safe, abi: SAFE_ABI, functionName: "approvedHashes", args: [sig.owner, hash] })) > 0n;
    try {
      const magic = await this.client.readContract({ address: sig.owner, abi: EIP1271_ABI, functionName: "isValidSignature", args: [hash, sig.contractData ?? "0x"] });
      return magic === "0x1626ba7e";
    } catch {
      return false;
    }
  }

  /** Scan the Safe's ExecutionSuccess/Failure events since the last call; returns all executed txs known. */
  async executedTxs(safe: Address): Promise<Map<Hex, ExecutedTx>> {
    const state = this.executed.get(safe) ?? { to: -1n, txs: new Map<Hex, ExecutedTx>() };
    this.executed.set(safe, state);
    const head = await this.client.getBlockNumber();
    if (head <= state.to) return state.txs;
    const range = { address: safe, fromBlock: state.to + 1n, toBlock: head };
    const [ok, failed, multisig] = await Promise.all([
      this.client.getLogs({ ...range, event: EXECUTION_SUCCESS }),
      this.client.getLogs({ ...range, event: EXECUTION_FAILURE }),
      this.client.getLogs({ ...range, event: SAFE_MULTISIG_TX }),
    ]);
    const blocks = new Map<bigint, string>();
    for (const log of [...ok.map((l) => ({ l, success: true })), ...failed.map((l) => ({ l, success: false }))]) {
      // SafeL2 emits SafeMultiSigTransaction (nonce, executor) just before the execution event.
      const m = multisig.filter((x) => x.transactionHash === log.l.transactionHash && x.logIndex < log.l.logIndex).at(-1);
      let nonce: bigint | undefined, executor: Address | undefined;
      if (m) [nonce, executor] = decodeAbiParameters([{ type: "uint256" }, { type: "address" }, { type: "uint256" }], m.args.additionalInfo!) as [bigint, Address, bigint];
      if (!blocks.has(log.l.blockNumber)) blocks.set(log.l.blockNumber, new Date(Number((await this.client.getBlock({ blockNumber: log.l.blockNumber })).timestamp) * 1000).toISOString());
      const safeTxHash = log.l.args.txHash!;
      state.txs.set(safeTxHash, { safeTxHash, nonce, txHash: log.l.transactionHash, blockNumber: log.l.blockNumber, success: log.success, executor: executor ?? (await this.client.getTransaction({ hash: log.l.transactionHash })).from, timestamp: blocks.get(log.l.blockNumber) });
    }
    state.to = head;
    return state.txs;
  }
}
