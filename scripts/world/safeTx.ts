// Safe transactions for tests and scripts (ethers signers; the encoding and hash are lib/chain/safe.ts): build a SafeTx, collect EIP-712 owner signatures
// (ordered by signer address, as Safe requires), execTransaction, and MultiSendCallOnly batches.
// Also the protocol-kit ContractNetworksConfig for the local chain.
import {
  Contract,
  ContractTransactionResponse,
  Signer,
  TransactionReceipt,
  TypedDataDomain,
  concat,
  getAddress,
  Signature,
} from "ethers";
import type { Hex } from "viem";
import * as lib from "../../lib/chain/safe";
import type { SafeInfra } from "./types";
import { ABI } from "./artifacts";
import { confirm } from "./tx";

export const OPERATION = lib.OPERATION;

/** One call inside a batch (or a whole Safe transaction before gas/nonce fields are added). */
export interface MetaTx {
  to: string;
  value?: bigint;
  data?: string;
  /** 0 = CALL (default), 1 = DELEGATECALL. MultiSendCallOnly rejects DELEGATECALL entries. */
  operation?: number;
}

/** The EIP-712 SafeTx struct of Safe 1.4.1. */
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

/** ethers wants mutable arrays; the fields are lib/chain/safe.ts's. */
export const SAFE_TX_TYPES = { SafeTx: lib.SAFE_TX_TYPES.SafeTx.map((f) => ({ ...f })) };

function safeAt(safe: string, runner: Signer | { provider: unknown } | null): Contract {
  return new Contract(safe, ABI.safe(), runner as Signer);
}

/** A SafeTx with no refund fields; `nonce` defaults to the Safe's current nonce. */
export async function buildSafeTx(
  safe: string,
  runner: Signer,
  tx: MetaTx,
  overrides: Partial<SafeTx> = {},
): Promise<SafeTx> {
  const nonce = overrides.nonce ?? ((await safeAt(safe, runner).nonce()) as bigint);
  return lib.buildSafeTx(toLib(tx), nonce, overrides as Partial<lib.SafeTx>);
}

export function safeTxDomain(safe: string, chainId: bigint | number): TypedDataDomain {
  return { chainId, verifyingContract: safe };
}

/** The safeTxHash (EIP-712 digest) owners sign; equals Safe.getTransactionHash(...). */
export function safeTxHash(safe: string, chainId: bigint | number, tx: SafeTx): string {
  return lib.safeTxHash(getAddress(safe) as Hex, chainId, { ...tx, to: getAddress(tx.to) as Hex, data: tx.data as Hex, gasToken: getAddress(tx.gasToken) as Hex, refundReceiver: getAddress(tx.refundReceiver) as Hex });
}

/**
 * EIP-712 signatures of `signers` over `tx`, packed in ascending signer-address order
 * (the order Safe's checkNSignatures requires). Returns the `signatures` bytes for execTransaction.
 */
export async function signSafeTx(safe: string, chainId: bigint | number, tx: SafeTx, signers: Signer[]): Promise<string> {
  const withAddr = await Promise.all(signers.map(async (s) => ({ s, addr: BigInt(await s.getAddress()) })));
  withAddr.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
  const domain = safeTxDomain(safe, chainId);
  const sigs: string[] = [];
  for (const { s } of withAddr) sigs.push(Signature.from(await s.signTypedData(domain, SAFE_TX_TYPES, tx)).serialized);
  return sigs.length ? concat(sigs) : "0x";
}

/** Send execTransaction (the executor pays gas). Returns the pending response, so callers can expect reverts. */
export function execSafeTx(
  safe: string,
  tx: SafeTx,
  signatures: string,
  executor: Signer,
): Promise<ContractTransactionResponse> {
  return safeAt(safe, executor).execTransaction(
    tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver, signatures,
  );
}

/**
 * Build, sign with `owners`, execute with `executor` (default: the first owner) and wait.
 * Accepts one call or a batch (batches go through MultiSendCallOnly, so `infra` is needed).
 * With safeTxGas = gasPrice = 0 a failing inner call reverts the whole tx (GS013); the
 * ExecutionFailure check below still catches failures should a caller set safeTxGas.
 */
export async function executeSafeTx(params: {
  safe: string;
  owners: Signer[];
  tx: MetaTx | MetaTx[];
  infra?: Pick<SafeInfra, "multiSendCallOnly">;
  executor?: Signer;
  label?: string;
}): Promise<TransactionReceipt> {
  const executor = params.executor ?? params.owners[0];
  let meta: MetaTx;
  if (Array.isArray(params.tx)) {
    if (!params.infra) throw new Error("executeSafeTx: a batch needs infra.multiSendCallOnly");
    meta = multiSendCallOnlyTx(params.infra.multiSendCallOnly, params.tx);
  } else {
    meta = params.tx;
  }
  const chainId = (await executor.provider!.getNetwork()).chainId;
  const safeTx = await buildSafeTx(params.safe, executor, meta);
  const signatures = await signSafeTx(params.safe, chainId, safeTx, params.owners);
  const receipt = await confirm(params.label ?? "Safe execTransaction", execSafeTx(params.safe, safeTx, signatures, executor));
  const iface = safeAt(params.safe, null).interface;
  const failed = receipt.logs.some((l) => l.address === getAddress(params.safe) && l.topics[0] === iface.getEvent("ExecutionFailure")!.topicHash);
  if (failed) throw new Error(`${params.label ?? "Safe execTransaction"}: Safe reported ExecutionFailure`);
  return receipt;
}

/** MultiSend packed encoding (lib/chain/safe.ts). */
export function encodeMultiSend(txs: MetaTx[]): string {
  return lib.encodeMultiSend(txs.map(toLib));
}

/** The Safe-level call for a batch: DELEGATECALL into MultiSendCallOnly.multiSend(encoded). */
export function multiSendCallOnlyTx(multiSendCallOnly: string, txs: MetaTx[]): MetaTx {
  return lib.multiSendCallOnlyTx(getAddress(multiSendCallOnly) as Hex, txs.map(toLib));
}

function toLib(t: MetaTx): lib.MetaTx {
  return { to: getAddress(t.to) as Hex, value: t.value, data: (t.data ?? "0x") as Hex, operation: t.operation };
}

/** protocol-kit `contractNetworks` for the local chain: lib/chain/safe.ts. */
export const contractNetworksFor = lib.contractNetworksFor;
