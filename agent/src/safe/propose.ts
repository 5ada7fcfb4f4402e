// Propose a batch to the Safe Transaction Service: MultiSendCallOnly (protocol-kit's onlyCalls),
// nonce from the service (after the pending ones), signed by the proposer key (owner: confirmation #1;
// delegate: visible, counts for nothing), rationale in `origin`.
import type { MetaTransactionData } from "@safe-global/types-kit";
import { getAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { apiKitFor, askTxService, originFor, protocolKitFor, type SafeClientConfig } from "./kits";

export interface ProposeParams {
  calls: MetaTransactionData[];
  proposerKey: Hex;
  rationale: string;
  /** A link shown with the proposal (e.g. the decision record); optional. */
  url?: string;
  /** Default: the service's next nonce (the Safe's nonce when nothing is pending). */
  nonce?: number;
}

export interface Proposal {
  safeTxHash: Hex;
  nonce: number;
  proposer: `0x${string}`;
  origin: string;
  /** The Safe transaction as proposed (what a read-back must find). */
  tx: { to: `0x${string}`; value: string; data: Hex; operation: number; nonce: number };
}

export async function proposeBatch(cfg: SafeClientConfig, p: ProposeParams): Promise<Proposal> {
  if (p.calls.length === 0) throw new Error("proposeBatch: the batch is empty");
  const api = apiKitFor(cfg);
  const { kit, signer } = await protocolKitFor(cfg, p.proposerKey);
  const safeAddress = getAddress(cfg.safeAddress); // the service refuses non-checksummed addresses (422)
  const nonce = p.nonce ?? Number(await askTxService(cfg, "next nonce", () => api.getNextNonce(safeAddress)));
  // onlyCalls: a batch is a DELEGATECALL into MultiSendCallOnly, which the hosted service accepts.
  const tx = await kit.createTransaction({ transactions: p.calls, onlyCalls: true, options: { nonce } });
  const safeTxHash = (await kit.getTransactionHash(tx)) as Hex;
  // An owner signs through protocol-kit (EIP-712); protocol-kit refuses non-owners, so a delegate signs
  // the same digest directly (ECDSA over the EIP-712 hash is the same "EOA" signature).
  const senderSignature = (await kit.isOwner(signer))
    ? (await kit.signTransaction(tx, "eth_signTypedData_v4")).getSignature(signer)!.data
    : await privateKeyToAccount(p.proposerKey).sign({ hash: safeTxHash });
  const origin = originFor(p.rationale, p.url);
  await askTxService(cfg, "proposal", () => api.proposeTransaction({ safeAddress, safeTransactionData: tx.data, safeTxHash, senderAddress: signer, senderSignature, origin }));
  const d = tx.data;
  return { safeTxHash, nonce, proposer: signer, origin, tx: { to: getAddress(d.to), value: String(d.value), data: d.data as Hex, operation: Number(d.operation), nonce: Number(d.nonce) } };
}
