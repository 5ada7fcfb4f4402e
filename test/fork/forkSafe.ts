// Safe 1.4.1 helpers for the mainnet-fork test: a Safe at the real mainnet factory, transactions at
// an explicit nonce, storage-slot funding. No protocol-kit: the point of the fork test is to drive
// the real contracts with nothing in between.
import { AbiCoder, Contract, Interface, Signer, getAddress, keccak256, toBeHex, zeroPadValue } from "ethers";
// The SafeTx type, its EIP-712 hash and owner signatures are the same code the local world uses.
import { SafeTx, safeTxHash, signSafeTx, encodeMultiSend as encodePackedMultiSend } from "../../scripts/world/safeTx";

export type { SafeTx };
export { safeTxHash, signSafeTx };

export const Operation = { Call: 0, DelegateCall: 1 } as const;

export const SAFE_ABI = [
  "function setup(address[] _owners, uint256 _threshold, address to, bytes data, address fallbackHandler, address paymentToken, uint256 payment, address paymentReceiver)",
  "function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures) payable returns (bool)",
  "function getTransactionHash(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, uint256 _nonce) view returns (bytes32)",
  "function nonce() view returns (uint256)",
  "function getOwners() view returns (address[])",
  "function getThreshold() view returns (uint256)",
  "function VERSION() view returns (string)",
  "event ExecutionSuccess(bytes32 indexed txHash, uint256 payment)",
  "event ExecutionFailure(bytes32 indexed txHash, uint256 payment)",
];

export const PROXY_FACTORY_ABI = [
  "function createProxyWithNonce(address _singleton, bytes initializer, uint256 saltNonce) returns (address proxy)",
  "event ProxyCreation(address indexed proxy, address singleton)",
];

export const MULTISEND_ABI = ["function multiSend(bytes transactions) payable"];

const ZERO = "0x0000000000000000000000000000000000000000";

export interface Call {
  to: string;
  value?: bigint;
  data: string;
}

export function buildSafeTx(call: Call & { operation?: number }, nonce: bigint): SafeTx {
  return {
    to: getAddress(call.to),
    value: call.value ?? 0n,
    data: call.data,
    operation: call.operation ?? Operation.Call,
    safeTxGas: 0n,
    baseGas: 0n,
    gasPrice: 0n,
    gasToken: ZERO,
    refundReceiver: ZERO,
    nonce,
  };
}

/** The execTransaction call for a signed SafeTx (sent by `sender`, who needs no special rights). */
export function execTransaction(safe: Contract, tx: SafeTx, signatures: string) {
  return safe.execTransaction(
    tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver, signatures,
  );
}

/**
 * Builds, signs (by `signers`) and executes one Safe transaction at the Safe's current nonce.
 * Checks the local EIP-712 hash against Safe.getTransactionHash and that ExecutionSuccess was emitted.
 */
export async function execSafeTx(
  safe: Contract,
  call: Call & { operation?: number },
  signers: Signer[],
  chainId: bigint,
): Promise<void> {
  const safeAddress = await safe.getAddress();
  const tx = buildSafeTx(call, await safe.nonce());
  const onChainHash: string = await safe.getTransactionHash(
    tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver, tx.nonce,
  );
  const localHash = safeTxHash(safeAddress, chainId, tx);
  if (onChainHash !== localHash) throw new Error(`SafeTx hash mismatch: local ${localHash}, Safe ${onChainHash}`);

  const signatures = await signSafeTx(safeAddress, chainId, tx, signers);
  const receipt = await (await execTransaction(safe, tx, signatures)).wait();
  const iface = safe.interface as Interface;
  const names = receipt.logs
    .filter((l: { address: string }) => l.address.toLowerCase() === safeAddress.toLowerCase())
    .map((l: { topics: string[]; data: string }) => iface.parseLog(l)?.name);
  if (!names.includes("ExecutionSuccess")) throw new Error(`Safe tx ${localHash} did not emit ExecutionSuccess (${names.join(",")})`);
}

/** multiSend(bytes) calldata for a MultiSendCallOnly batch (execute it as a DELEGATECALL from the Safe). */
export function encodeMultiSend(calls: Call[]): string {
  return new Interface(MULTISEND_ABI).encodeFunctionData("multiSend", [encodePackedMultiSend(calls)]);
}

/** Storage key of `mapping(address => uint256)` entry `key` when the mapping sits at `slot`. */
export function mappingSlot(key: string, slot: bigint): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [key, slot]));
}

export function uint256Word(value: bigint): string {
  return zeroPadValue(toBeHex(value), 32);
}
