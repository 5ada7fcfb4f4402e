// Confirm a proposed transaction as an owner: fetch it from the service, rebuild it locally and check
// its hash is the one asked for (never sign a hash the service hands over blindly), then sign (EIP-712).
import type { SafeMultisigTransactionResponse } from "@safe-global/types-kit";
import type { Hex } from "viem";
import { UserError } from "../errors";
import { apiKitFor, protocolKitFor, type SafeClientConfig } from "./kits";

/** The service's transaction, or one line naming the fix when it has none under that hash. */
async function servedTx(api: ReturnType<typeof apiKitFor>, cfg: SafeClientConfig, safeTxHash: Hex): Promise<SafeMultisigTransactionResponse> {
  try {
    return await api.getTransaction(safeTxHash);
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    throw new UserError(
      `no proposal ${safeTxHash} in the transaction service at ${cfg.txServiceUrl ?? "the hosted service"}: copy the safeTxHash from \`treasury status\` (pending proposals) or the agent's "proposal 0x…" line, and check SAFE_TX_SERVICE_URL is the service the agent proposes to`,
    );
  }
}

export async function fetchVerified(cfg: SafeClientConfig, safeTxHash: Hex, signerKey: Hex) {
  const api = apiKitFor(cfg);
  const { kit, signer } = await protocolKitFor(cfg, signerKey);
  const tx0 = await servedTx(api, cfg, safeTxHash);
  if (tx0.safe.toLowerCase() !== cfg.safeAddress.toLowerCase()) throw new Error(`transaction ${safeTxHash} belongs to Safe ${tx0.safe}, not ${cfg.safeAddress}`);
  const tx = await kit.toSafeTransactionType(tx0);
  const local = await kit.getTransactionHash(tx);
  if (local.toLowerCase() !== safeTxHash.toLowerCase()) throw new Error(`the service's transaction hashes to ${local}, not ${safeTxHash}: refusing to sign or execute it`);
  return { api, kit, signer, served: tx0, tx };
}

export async function confirmProposed(cfg: SafeClientConfig, safeTxHash: Hex, ownerKey: Hex): Promise<{ owner: `0x${string}`; alreadyConfirmed: boolean }> {
  const { api, kit, signer, served, tx } = await fetchVerified(cfg, safeTxHash, ownerKey);
  if (served.isExecuted) throw new Error(`transaction ${safeTxHash} is already executed (tx ${served.transactionHash})`);
  if (!(await kit.isOwner(signer))) throw new Error(`${signer} is not an owner of Safe ${cfg.safeAddress}: only owners confirm`);
  if (served.confirmations?.some((c) => c.owner.toLowerCase() === signer.toLowerCase())) return { owner: signer, alreadyConfirmed: true };
  const signed = await kit.signTransaction(tx, "eth_signTypedData_v4");
  await api.confirmTransaction(safeTxHash, signed.getSignature(signer)!.data);
  return { owner: signer, alreadyConfirmed: false };
}
