// Small deployment/transaction helpers shared by the protocol modules. They take any ethers v6
// Signer (Hardhat's in-process signers, a Wallet/NonceManager on a JSON-RPC provider) and wait for
// each receipt, so state is final before the next step reads it.
import {
  Contract,
  ContractFactory,
  ContractTransactionResponse,
  Signer,
  TransactionReceipt,
  TransactionResponse,
} from "ethers";
import type { Artifact } from "./artifacts";

/** Replace library placeholders in `artifact.bytecode` using its linkReferences (byte offsets). */
export function linkBytecode(artifact: Artifact, libraries: Record<string, string> = {}): string {
  let code = artifact.bytecode.slice(2);
  for (const byName of Object.values(artifact.linkReferences ?? {})) {
    for (const [name, refs] of Object.entries(byName)) {
      const lib = libraries[name];
      if (!lib) throw new Error(`${artifact.contractName ?? "artifact"} needs library ${name}, which was not given`);
      for (const { start, length } of refs) {
        code = code.slice(0, start * 2) + lib.slice(2).toLowerCase() + code.slice((start + length) * 2);
      }
    }
  }
  return "0x" + code;
}

/** Wait for a transaction and fail loudly (with a label) if it reverted or vanished. */
export async function confirm(
  label: string,
  pending: Promise<TransactionResponse | ContractTransactionResponse> | TransactionResponse,
): Promise<TransactionReceipt> {
  let receipt: TransactionReceipt | null;
  let response: TransactionResponse | ContractTransactionResponse | undefined;
  try {
    response = await pending;
    receipt = await response.wait();
  } catch (err) {
    // A mined revert: say whether it ran out of gas (estimate too low) or reverted by itself.
    const r = (err as { receipt?: TransactionReceipt }).receipt;
    if (r && response) {
      const oog = r.gasUsed === response.gasLimit;
      throw withContext(`${label} (mined in block ${r.blockNumber}, tx ${r.hash}, gas ${r.gasUsed}/${response.gasLimit}${oog ? ": out of gas" : ""})`, err);
    }
    throw withContext(label, err);
  }
  if (!receipt || receipt.status !== 1) throw new Error(`${label}: transaction failed (status ${receipt?.status})`);
  return receipt;
}

/** Deploy `artifact` (linking `libraries`) and return the new contract's address. */
export async function deploy(
  signer: Signer,
  artifact: Artifact,
  args: unknown[] = [],
  libraries: Record<string, string> = {},
  label = artifact.contractName ?? "contract",
): Promise<string> {
  const factory = new ContractFactory(artifact.abi, linkBytecode(artifact, libraries), signer);
  let contract;
  try {
    contract = await factory.deploy(...args);
  } catch (err) {
    throw withContext(`deploy ${label}`, err);
  }
  const receipt = await confirm(`deploy ${label}`, contract.deploymentTransaction()!);
  if (!receipt.contractAddress) throw new Error(`deploy ${label}: no contract address in receipt`);
  return receipt.contractAddress;
}

/** `new Contract(address, artifact.abi, signer)` with the artifact's ABI. */
export function at(address: string, artifact: Artifact, runner: Signer): Contract {
  return new Contract(address, artifact.abi, runner);
}

/** Re-throw `err` with a step label in front of the most useful message ethers gives us. */
export function withContext(label: string, err: unknown): Error {
  const e = err as { shortMessage?: string; reason?: string; message?: string };
  const detail = e?.reason ?? e?.shortMessage ?? e?.message ?? String(err);
  const wrapped = new Error(`${label}: ${detail}`);
  (wrapped as Error & { cause?: unknown }).cause = err;
  return wrapped;
}

export const MAX_UINT256 = (1n << 256n) - 1n;
/** A deadline far in the future (Uniswap periphery wants one). */
export const FAR_DEADLINE = 1n << 40n;
