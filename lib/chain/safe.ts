// Safe 1.4.1 transaction helpers with viem: MultiSend packed encoding, the SafeTx EIP-712 digest
// and owner signatures packed in ascending owner order (what checkNSignatures requires); and
// protocol-kit's execution with a gas margin.
import { concat, encodeFunctionData, encodePacked, getAddress, hashTypedData, size, zeroAddress, type Address, type Hex, type LocalAccount } from "viem";
import type Safe from "@safe-global/protocol-kit";
import { generatePreValidatedSignature, type ContractNetworksConfig } from "@safe-global/protocol-kit";
import type { SafeTransaction, TransactionResult } from "@safe-global/types-kit";
import { multiSendAbi } from "./abi";
import { withGasMargin } from "./gas";

export const OPERATION = { CALL: 0, DELEGATECALL: 1 } as const;

/** One call inside a batch (or a whole Safe transaction before gas and nonce fields). */
export interface MetaTx {
  to: Address;
  value?: bigint;
  data?: Hex;
  /** 0 = CALL (default), 1 = DELEGATECALL. MultiSendCallOnly refuses DELEGATECALL entries. */
  operation?: number;
}

/** The EIP-712 SafeTx struct of Safe 1.4.1. */
export interface SafeTx {
  to: Address;
  value: bigint;
  data: Hex;
  operation: number;
  safeTxGas: bigint;
  baseGas: bigint;
  gasPrice: bigint;
  gasToken: Address;
  refundReceiver: Address;
  nonce: bigint;
}

export const SAFE_TX_TYPES = {
  SafeTx: [
    { type: "address", name: "to" },
    { type: "uint256", name: "value" },
    { type: "bytes", name: "data" },
    { type: "uint8", name: "operation" },
    { type: "uint256", name: "safeTxGas" },
    { type: "uint256", name: "baseGas" },
    { type: "uint256", name: "gasPrice" },
    { type: "address", name: "gasToken" },
    { type: "address", name: "refundReceiver" },
    { type: "uint256", name: "nonce" },
  ],
} as const;

/** MultiSend packing per call: operation (uint8) | to | value (uint256) | data length (uint256) | data. */
export function encodeMultiSend(txs: MetaTx[]): Hex {
  if (txs.length === 0) throw new Error("encodeMultiSend: empty batch (a plan with no calls has nothing to send)");
  return concat(
    txs.map((t) => {
      const data = t.data ?? "0x";
      return encodePacked(["uint8", "address", "uint256", "uint256", "bytes"], [t.operation ?? OPERATION.CALL, getAddress(t.to), t.value ?? 0n, BigInt(size(data)), data]);
    }),
  );
}

/** The Safe-level call for a batch: DELEGATECALL into MultiSendCallOnly.multiSend(encoded). */
export function multiSendCallOnlyTx(multiSendCallOnly: Address, txs: MetaTx[]): Required<MetaTx> {
  if (txs.some((t) => (t.operation ?? 0) !== OPERATION.CALL)) throw new Error("MultiSendCallOnly batches may only contain CALL operations");
  const data = encodeFunctionData({ abi: multiSendAbi, functionName: "multiSend", args: [encodeMultiSend(txs)] });
  return { to: getAddress(multiSendCallOnly), value: 0n, data, operation: OPERATION.DELEGATECALL };
}

/** A SafeTx with no refund fields. */
export function buildSafeTx(tx: MetaTx, nonce: bigint, overrides: Partial<SafeTx> = {}): SafeTx {
  return {
    to: getAddress(tx.to),
    value: tx.value ?? 0n,
    data: tx.data ?? "0x",
    operation: tx.operation ?? OPERATION.CALL,
    safeTxGas: 0n,
    baseGas: 0n,
    gasPrice: 0n,
    gasToken: zeroAddress,
    refundReceiver: zeroAddress,
    ...overrides,
    nonce,
  };
}

export function safeTxTypedData(safe: Address, chainId: number | bigint, tx: SafeTx) {
  return { domain: { chainId: Number(chainId), verifyingContract: getAddress(safe) }, types: SAFE_TX_TYPES, primaryType: "SafeTx" as const, message: tx };
}

/** The safeTxHash owners sign; equals Safe.getTransactionHash(...). */
export function safeTxHash(safe: Address, chainId: number | bigint, tx: SafeTx): Hex {
  return hashTypedData(safeTxTypedData(safe, chainId, tx));
}

/** EIP-712 signatures of `accounts`, packed in ascending owner-address order, for execTransaction. */
export async function signSafeTx(accounts: LocalAccount[], safe: Address, chainId: number | bigint, tx: SafeTx): Promise<Hex> {
  const sorted = [...accounts].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const typed = safeTxTypedData(safe, chainId, tx);
  const sigs: Hex[] = [];
  for (const a of sorted) sigs.push(await a.signTypedData(typed));
  return sigs.length ? concat(sigs) : "0x";
}

/** protocol-kit `contractNetworks` for a chain its bundled safe-deployments do not know (e.g. 31337). */
export function contractNetworksFor(
  infra: { safeL2: string; safeProxyFactory: string; multiSend: string; multiSendCallOnly: string; fallbackHandler: string; signMessageLib: string; createCall: string; simulateTxAccessor: string },
  chainId: bigint | number,
): ContractNetworksConfig {
  return {
    [chainId.toString()]: {
      safeSingletonAddress: infra.safeL2,
      safeProxyFactoryAddress: infra.safeProxyFactory,
      multiSendAddress: infra.multiSend,
      multiSendCallOnlyAddress: infra.multiSendCallOnly,
      fallbackHandlerAddress: infra.fallbackHandler,
      signMessageLibAddress: infra.signMessageLib,
      createCallAddress: infra.createCall,
      simulateTxAccessorAddress: infra.simulateTxAccessor,
    },
  };
}

/**
 * protocol-kit's executeTransaction with a gas limit that carries withGasMargin (protocol-kit sends
 * eth_estimateGas's figure as it is, which runs out when Aave or Uniswap state is updated in the mined
 * block but was not in the estimate). The pre-validated signatures protocol-kit would add (owners who
 * approved the hash on chain, then the executor if still short) are added first, so the estimate is
 * of the transaction that is sent.
 */
export async function executeWithMargin(kit: Safe, tx: SafeTransaction): Promise<TransactionResult> {
  const provider = kit.getSafeProvider();
  const signer = await provider.getSignerAddress();
  if (!signer) throw new Error("protocol-kit has no signer: executing a Safe transaction needs the executor's key");
  for (const owner of await kit.getOwnersWhoApprovedTx(await kit.getTransactionHash(tx))) tx.addSignature(generatePreValidatedSignature(owner));
  if (tx.signatures.size < (await kit.getThreshold()) && (await kit.isOwner(signer))) tx.addSignature(generatePreValidatedSignature(signer));
  const gas = await provider.estimateGas({ to: await kit.getAddress(), from: signer, data: await kit.getEncodedTransaction(tx) });
  return kit.executeTransaction(tx, { gasLimit: withGasMargin(BigInt(gas)).toString() });
}
