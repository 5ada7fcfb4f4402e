// protocol-kit against the in-process Hardhat chain: one kit per owner (EIP-712 signing with the
// owner's private key), MultiSendCallOnly batches, and execution with exact receipts.
import hre from "hardhat";
import Safe from "@safe-global/protocol-kit";
import type { MetaTransactionData, SafeTransaction } from "@safe-global/types-kit";
import { TransactionReceipt, computeAddress } from "ethers";
import { executeWithMargin } from "../../lib/chain";
import { contractNetworksFor, MetaTx, World } from "../../scripts/world";
import { OWNER_PKS } from "./world";

/** protocol-kit instance signing as treasury owner `i` (0..2). */
export async function ownerKit(world: World, i: number): Promise<Safe> {
  const pk = OWNER_PKS[i];
  if (computeAddress(pk) !== world.treasury.owners[i]) throw new Error(`OWNER_PKS[${i}] is not treasury owner ${i}`);
  return Safe.init({
    provider: hre.network.provider,
    signer: pk,
    safeAddress: world.treasury.safe,
    contractNetworks: contractNetworksFor(world.safe, world.chainId),
  });
}

export const toKitTx = (t: MetaTx): MetaTransactionData => ({ to: t.to, value: (t.value ?? 0n).toString(), data: t.data ?? "0x" });

/** Batch `txs` through MultiSendCallOnly (onlyCalls), signed by owners `signerIdx` (EIP-712). */
export async function signedBatch(world: World, txs: MetaTx[], signerIdx: number[] = [0, 1]): Promise<{ kit: Safe; tx: SafeTransaction }> {
  const kits = await Promise.all(signerIdx.map((i) => ownerKit(world, i)));
  let tx = await kits[0].createTransaction({ transactions: txs.map(toKitTx), onlyCalls: true });
  for (const kit of kits) tx = await kit.signTransaction(tx, "eth_signTypedData_v4");
  return { kit: kits[0], tx };
}

/** Two owners sign a MultiSendCallOnly batch; the first executes it as the agent does. Returns the mined receipt. */
export async function execBatch(world: World, txs: MetaTx[], signerIdx: number[] = [0, 1]): Promise<TransactionReceipt> {
  const { kit, tx } = await signedBatch(world, txs, signerIdx);
  const res = await executeWithMargin(kit, tx);
  const receipt = await hre.ethers.provider.getTransactionReceipt(res.hash);
  if (!receipt || receipt.status !== 1) throw new Error(`Safe batch ${res.hash} failed`);
  return receipt;
}
