// POST /v1/multisig-transactions/{h}/confirmations/: SafeMultisigConfirmationSerializer. Errors are
// 400 here (not 422), keyed by "signature"; only current owners may confirm (no delegates).
import type { Address, Hex } from "viem";
import { Fields } from "./fields";
import { parseSignatures, SignatureParseError } from "./signatures";
import type { SafeChain } from "./chain";
import type { TxStore } from "./store";
import { pyList, type Answer } from "./proposal";

const MAX_SIGNATURE_BYTES = 5_000;

export async function confirmTx(chain: SafeChain, store: TxStore, hash: Hex, body: Record<string, unknown>): Promise<Answer> {
  const f = new Fields(body);
  const signature = f.hex("signature", { minBytes: 65 });
  if (signature && signature.length > 2 + MAX_SIGNATURE_BYTES * 2) (f.errors.signature ??= []).push(`Ensure this field has no more than ${MAX_SIGNATURE_BYTES} bytes.`);
  if (Object.keys(f.errors).length) return { status: 400, body: f.errors };

  const tx = store.get(hash);
  if (!tx) return { status: 404, body: { detail: `Multisig transaction with safe-tx-hash=${hash} was not found` } };
  const bad = (msg: string): Answer => ({ status: 400, body: { signature: [msg] } });
  const done = (await chain.executedTxs(tx.safe)).get(tx.safeTxHash);
  if (done) return bad(`Transaction with safe-tx-hash=${tx.safeTxHash} was already executed`);

  const owners = (await chain.safeState(tx.safe)).owners;
  let parsed;
  try {
    parsed = await parseSignatures(signature, tx.safeTxHash);
  } catch (err) {
    if (err instanceof SignatureParseError) return bad(err.message);
    throw err;
  }
  const seen: Address[] = [];
  for (const s of parsed) {
    if (!(await chain.isValid(s, tx.safe, tx.safeTxHash))) return bad(`Signature=${s.signature} for owner=${s.owner} is not valid`);
    if (!owners.includes(s.owner)) return bad(`Signer=${s.owner} is not an owner. Current owners=${pyList(owners)}`);
    if (seen.includes(s.owner)) return bad(`Signature for owner=${s.owner} is duplicated`);
    seen.push(s.owner);
  }
  const now = new Date().toISOString();
  for (const s of parsed) {
    if (!tx.confirmations.some((c) => c.owner === s.owner)) tx.confirmations.push({ owner: s.owner, submissionDate: now, signature: s.signature, signatureType: s.type });
  }
  tx.trusted = true;
  tx.modified = now;
  store.put(tx);
  return { status: 201, body: { signature } };
}
