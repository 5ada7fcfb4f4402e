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
import { LOCAL_CHAIN_ID } from "../processes";

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
  waits: LocalWaits = LOCAL_WAITS,
): Promise<TransactionReceipt> {
  let receipt: TransactionReceipt | null;
  let response: TransactionResponse | ContractTransactionResponse | undefined;
  try {
    response = await pending;
    receipt = await receiptOf(label, response, waits);
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

/** On the local chain: how often the node is asked directly, when a block is mined, when to give up. */
export interface LocalWaits {
  pollMs: number;
  nudgeAfterMs: number;
  giveUpMs: number;
}
const LOCAL_WAITS: LocalWaits = { pollMs: 2_000, nudgeAfterMs: 15_000, giveUpMs: 120_000 };

/**
 * The receipt of `response`. On a real chain: ethers' wait(), as before. On the local chain (anvil,
 * Hardhat) the world's deployment hung for minutes in a few loaded runs (npm start, the tests'
 * local chains) at one transaction that never confirmed; so there wait() is raced against asking
 * the node for the receipt every 2 s, a transaction still in the pool after 15 s is mined with
 * evm_mine (the chain automines: it should have been), and after 120 s it fails naming the
 * transaction and what the node said of it, instead of hanging. Each fallback is said on stderr.
 */
async function receiptOf(label: string, response: TransactionResponse | ContractTransactionResponse, w: LocalWaits): Promise<TransactionReceipt | null> {
  const provider = response.provider;
  const local = await provider.getNetwork().then((n) => n.chainId === BigInt(LOCAL_CHAIN_ID), () => false);
  if (!local) return response.wait();
  const waited = response.wait();
  // wait() rejects on a mined revert: that is the answer when it comes first; later, nobody listens.
  waited.catch(() => undefined);
  const rpc = (m: string, p: unknown[] = []) => (provider as unknown as { send(m: string, p: unknown[]): Promise<unknown> }).send(m, p);
  const pool = () => rpc("txpool_status").catch((e: Error) => `txpool_status failed: ${e.message}`);
  const start = Date.now();
  let nudged = false;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([waited, new Promise<"pending">((r) => (timer = setTimeout(() => r("pending"), w.pollMs)))]).finally(() => clearTimeout(timer));
    if (done !== "pending") return done;
    const receipt = await provider.getTransactionReceipt(response.hash).catch(() => null);
    if (receipt) {
      process.stderr.write(`[world] ${label}: ethers' wait() had not seen the receipt of ${response.hash} after ${Date.now() - start} ms; the node had it (block ${receipt.blockNumber})\n`);
      return receipt;
    }
    if (!nudged && Date.now() - start > w.nudgeAfterMs) {
      nudged = true;
      process.stderr.write(`[world] ${label}: ${response.hash} not mined after ${Date.now() - start} ms (pool: ${JSON.stringify(await pool())}): mining a block\n`);
      await rpc("evm_mine").catch(() => undefined);
    }
    if (Date.now() - start > w.giveUpMs) {
      const tx = await provider.getTransaction(response.hash).catch((e: Error) => `eth_getTransactionByHash failed: ${e.message}`);
      throw new Error(`no receipt for ${response.hash} (nonce ${response.nonce}, from ${response.from}) after ${w.giveUpMs / 1000} s on the local chain; the node knows it as ${JSON.stringify(tx && typeof tx === "object" ? { blockNumber: tx.blockNumber, nonce: tx.nonce } : tx)}, pool ${JSON.stringify(await pool())}`);
    }
  }
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
