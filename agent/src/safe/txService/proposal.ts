// POST /v2/safes/{safe}/multisig-transactions/: SafeMultisigTransactionSerializer.validate, in order
// (fields, hash recomputed against the chain's Safe, executed nonce, sender, signatures), then save.
import type { Address, Hex } from "viem";
import { safeTxHash } from "../safeTxHash";
import { Fields } from "./fields";
import { parseSignatures, SignatureParseError } from "./signatures";
import type { SafeChain, SafeState } from "./chain";
import type { StoredTx, TxStore } from "./store";

export type Answer = { status: number; body?: unknown };

/** Python's repr of a list / set of addresses, as the service's messages print them. */
export const pyList = (xs: string[]) => `[${xs.map((x) => `'${x}'`).join(", ")}]`;
export const pySet = (xs: string[]) => (xs.length ? `{${xs.map((x) => `'${x}'`).join(", ")}}` : "set()");
const nonField = (msg: string): Answer => ({ status: 422, body: { nonFieldErrors: [msg] } });

/** Delegates valid for `safe`: those registered for it or for every Safe, whose delegator is still an owner. */
export function delegatesFor(store: TxStore, safe: Address, owners: Address[], now = new Date()): Address[] {
  return [...new Set(store.delegates
    .filter((d) => (d.safe === null || d.safe === safe) && owners.includes(d.delegator) && (!d.expiryDate || new Date(d.expiryDate) > now))
    .map((d) => d.delegate))];
}

/** The owner who registered `delegate` for this Safe (or for every Safe). */
function delegatorOf(store: TxStore, safe: Address, owners: Address[], delegate: Address): Address {
  const row = store.delegates.find((d) => d.delegate === delegate && (d.safe === null || d.safe === safe) && owners.includes(d.delegator));
  if (!row) throw new Error(`no delegator for ${delegate}`); // unreachable: the sender passed delegatesFor
  return row.delegator;
}

/** `loadSafe` runs after the field checks (as the serializer's validate() does); undefined = not a Safe. */
export async function proposeTx(chain: SafeChain, store: TxStore, safe: Address, loadSafe: () => Promise<SafeState | undefined>, body: Record<string, unknown>): Promise<Answer> {
  const f = new Fields(body);
  const tx = {
    to: f.address("to", { allowZero: true, allowSentinel: true }),
    value: f.uint("value"),
    data: f.hex("data", { nullable: true, required: false }),
    operation: f.uint("operation", 2n),
    safeTxGas: f.uint("safeTxGas"),
    baseGas: f.uint("baseGas"),
    gasPrice: f.uint("gasPrice"),
    gasToken: f.address("gasToken", { nullable: true, allowZero: true, required: false }),
    refundReceiver: f.address("refundReceiver", { nullable: true, allowZero: true, required: false }),
    nonce: f.uint("nonce"),
  };
  const given = f.hex("contractTransactionHash", { exactBytes: 32 });
  const sender = f.address("sender");
  const signature = f.hex("signature", { nullable: true, required: false, minBytes: 65 });
  const originRaw = f.text("origin", 200);
  if (tx.operation === 2n) (f.errors.operation ??= []).push("Operation CREATE not supported");
  if (Object.keys(f.errors).length) return { status: 422, body: f.errors };
  const state = await loadSafe();
  if (!state) return nonField(`Could not get Safe ${safe} owners from blockchain, check contract exists on network`);

  const ZERO = "0x0000000000000000000000000000000000000000" as Address;
  const fields = {
    to: tx.to!, value: tx.value!, data: (tx.data ?? "0x") as Hex, operation: Number(tx.operation), safeTxGas: tx.safeTxGas!, baseGas: tx.baseGas!,
    gasPrice: tx.gasPrice!, gasToken: tx.gasToken ?? ZERO, refundReceiver: tx.refundReceiver ?? ZERO, nonce: tx.nonce!,
  };
  const hash = safeTxHash({ chainId: await chain.chainId(), safe, version: state.version, tx: fields });
  if (hash !== given) return nonField(`Contract-transaction-hash=${hash} does not match provided contract-tx-hash=${given}`);

  const executed = [...(await chain.executedTxs(safe)).values()];
  const sameNonce = executed.filter((e) => (e.nonce ?? (store.get(e.safeTxHash) ? BigInt(store.get(e.safeTxHash)!.nonce) : undefined)) === fields.nonce);
  const mine = sameNonce.find((e) => e.safeTxHash === hash);
  if (mine) return nonField(`Tx with safe-tx-hash=${hash} for safe=${safe} was already executed in tx-hash=${mine.txHash}`);
  if (sameNonce.length) return nonField(`Tx with nonce=${fields.nonce} for safe=${safe} already executed in tx-hash=${sameNonce[0].txHash}`);
  // A nonce the Safe has used whose execution this service has not indexed (a non-L2 Safe): still spent.
  if (fields.nonce < state.nonce) return nonField(`Tx with nonce=${fields.nonce} for safe=${safe} already executed in tx-hash=unknown (the Safe's nonce is ${state.nonce})`);

  const owners = state.owners;
  const delegates = delegatesFor(store, safe, owners);
  const allowed = new Set<Address>([...owners, ...delegates]);
  const who = `Current owners=${pyList(owners)}. Delegates=${pySet(delegates)}`;
  if (!allowed.has(sender!)) return nonField(`Sender=${sender} is not an owner or delegate. ${who}`);

  let parsed;
  try {
    parsed = await parseSignatures(signature, hash);
  } catch (err) {
    if (err instanceof SignatureParseError) return nonField(err.message);
    throw err;
  }
  const signers: Address[] = [];
  for (const s of parsed) {
    if (!(await chain.isValid(s, safe, hash))) return nonField(`Signature=${s.signature} for owner=${s.owner} is not valid`);
    if (delegates.includes(s.owner) && parsed.length > 1) return nonField("Just one signature is expected if using delegates");
    if (!allowed.has(s.owner)) return nonField(`Signer=${s.owner} is not an owner or delegate. ${who}`);
    if (signers.includes(s.owner)) return nonField(`Signature for owner=${s.owner} is duplicated`);
    signers.push(s.owner);
  }
  if (signers.length && !signers.includes(sender!)) return nonField(`Signature does not match sender=${sender}. Calculated owners=${pyList(signers)}`);

  let origin: unknown = {};
  if (originRaw) {
    try {
      origin = JSON.parse(originRaw);
    } catch {
      origin = originRaw;
    }
  }
  const now = new Date().toISOString();
  const trusted = signers.length > 0;
  const existing = store.get(hash);
  const record: StoredTx = existing ?? {
    safe, to: fields.to, value: fields.value.toString(), data: fields.data === "0x" ? null : fields.data, operation: fields.operation,
    safeTxGas: fields.safeTxGas.toString(), baseGas: fields.baseGas.toString(), gasPrice: fields.gasPrice.toString(),
    gasToken: fields.gasToken, refundReceiver: fields.refundReceiver, nonce: fields.nonce.toString(), safeTxHash: hash,
    proposer: owners.includes(sender!) ? sender! : delegatorOf(store, safe, owners, sender!),
    proposedByDelegate: owners.includes(sender!) ? null : sender!,
    origin, trusted, submissionDate: now, modified: now, confirmations: [],
  };
  if (existing && trusted && !existing.trusted) Object.assign(record, { origin, trusted: true });
  // Only owners' signatures are confirmations: a delegate's makes the tx visible but counts for nothing.
  for (const s of parsed) {
    if (owners.includes(s.owner) && !record.confirmations.some((c) => c.owner === s.owner)) {
      record.confirmations.push({ owner: s.owner, submissionDate: now, signature: s.signature, signatureType: s.type });
      record.modified = now;
    }
  }
  store.put(record);
  return { status: 201 };
}
