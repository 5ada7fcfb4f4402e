// Minimal Safe 1.4.1 helpers for the mainnet-fork test only (kept local to test/fork so they do not
// clash with the helpers used by the local tests). No protocol-kit: the point of the fork test is to
// drive the real contracts with nothing in between.
import { AbiCoder, Contract, Interface, Signer, TypedDataEncoder, concat, getAddress, keccak256, solidityPacked, toBeHex, zeroPadValue } from "ethers";

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

const SAFE_TX_TYPES = {
  SafeTx: [
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "data", type: "bytes" },
    { name: "operation", type: "uint8" },
    { name: "safeTxGas", type: "uint256" },
    { name: "baseGas", type: "uint256" },
    { name: "gasPrice", type: "uint256" },
    { name: "gasToken", type: "address" },
    { name: "refundReceiver", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};

const ZERO = "0x0000000000000000000000000000000000000000";

/** A Safe transaction. Refund fields are always zero: no gas refunds (a known drain vector). */
export interface SafeTx {
  to: string;
  value: bigint;
  data: string;
  operation: number;
  safeTxGas: bigint;
  baseGas: bigint;
  gasPrice: bigint;
  gasToken: string;
  refundReceiver: string;
  nonce: bigint;
}

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

/** EIP-712 hash of a SafeTx for Safe >= 1.3.0 (domain: chainId + verifyingContract). */
export function safeTxHash(safe: string, chainId: bigint, tx: SafeTx): string {
  return TypedDataEncoder.hash({ chainId, verifyingContract: safe }, SAFE_TX_TYPES, tx);
}

/**
 * Signs with each signer (EIP-712, v = 27/28) and concatenates the 65-byte signatures sorted by
 * owner address ascending, as Safe.checkNSignatures requires.
 */
export async function signSafeTx(safe: string, chainId: bigint, tx: SafeTx, signers: Signer[]): Promise<string> {
  const signed = await Promise.all(
    signers.map(async (s) => ({
      owner: (await s.getAddress()).toLowerCase(),
      sig: await s.signTypedData({ chainId, verifyingContract: safe }, SAFE_TX_TYPES, tx),
    })),
  );
  signed.sort((a, b) => (BigInt(a.owner) < BigInt(b.owner) ? -1 : BigInt(a.owner) > BigInt(b.owner) ? 1 : 0));
  return concat(signed.map((x) => x.sig));
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

/**
 * MultiSendCallOnly payload: for each call `uint8 operation (0) | address to | uint256 value |
 * uint256 dataLength | bytes data`, packed. Execute it as a DELEGATECALL from the Safe.
 */
export function encodeMultiSend(calls: Call[]): string {
  const packed = calls.map((c) =>
    solidityPacked(
      ["uint8", "address", "uint256", "uint256", "bytes"],
      [Operation.Call, getAddress(c.to), c.value ?? 0n, (c.data.length - 2) / 2, c.data],
    ),
  );
  return new Interface(MULTISEND_ABI).encodeFunctionData("multiSend", [concat(packed)]);
}

/** Storage key of `mapping(address => uint256)` entry `key` when the mapping sits at `slot`. */
export function mappingSlot(key: string, slot: bigint): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [key, slot]));
}

export function uint256Word(value: bigint): string {
  return zeroPadValue(toBeHex(value), 32);
}
