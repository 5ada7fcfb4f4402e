// GET /v2/safes/{a}/multisig-transactions/: the service's filters (executed, trusted defaulting to
// true, nonce ranges, has_confirmations, safe_tx_hash, to), ordering, pagination and countUniqueNonce.
import type { Address } from "viem";
import type { SafeChain } from "./chain";
import type { TxStore } from "./store";
import type { Answer } from "./proposal";
import { page, txBody } from "./views";

function cmpNonceCreated(order: string) {
  const desc = order.startsWith("-");
  const key = order.replace(/^-/, "");
  return (a: ReturnType<typeof txBody>, b: ReturnType<typeof txBody>) => {
    const pick = (t: typeof a) => (key === "nonce" ? BigInt(t.nonce) : BigInt(Date.parse(key === "modified" ? t.modified : t.submissionDate)));
    const d = pick(a) < pick(b) ? -1 : pick(a) > pick(b) ? 1 : 0;
    return desc ? -d : d;
  };
}

/** The multisig list with the service's filters; `trusted` defaults to true, like the service. */
export async function listTxs(chain: SafeChain, store: TxStore, safe: Address, threshold: number, url: URL): Promise<Answer> {
  const q = url.searchParams;
  const badNumber = ["nonce", "nonce__gte", "nonce__gt", "nonce__lte", "nonce__lt"].filter((k) => q.has(k) && !/^[0-9]+$/.test(q.get(k)!));
  if (badNumber.length) return { status: 400, body: Object.fromEntries(badNumber.map((k) => [k, ["Enter a number."]])) };
  const executed = await chain.executedTxs(safe);
  const bool = (k: string) => (q.has(k) ? ["true", "1", "True"].includes(q.get(k)!) : undefined);
  const int = (k: string) => (q.has(k) ? BigInt(q.get(k)!) : undefined);
  const f = { executed: bool("executed"), trusted: bool("trusted") ?? true, hasConf: bool("has_confirmations"), nonce: int("nonce"), gte: int("nonce__gte"), gt: int("nonce__gt"), lte: int("nonce__lte"), lt: int("nonce__lt") };
  const rows = store.forSafe(safe)
    .filter((t) => {
      const n = BigInt(t.nonce);
      return (f.executed === undefined || executed.has(t.safeTxHash) === f.executed) && t.trusted === f.trusted &&
        (f.hasConf === undefined || t.confirmations.length > 0 === f.hasConf) && (f.nonce === undefined || n === f.nonce) &&
        (f.gte === undefined || n >= f.gte) && (f.gt === undefined || n > f.gt) && (f.lte === undefined || n <= f.lte) && (f.lt === undefined || n < f.lt) &&
        (!q.get("safe_tx_hash") || t.safeTxHash === q.get("safe_tx_hash")!.toLowerCase()) && (!q.get("to") || t.to === q.get("to"));
    })
    .map((t) => txBody(t, threshold, executed.get(t.safeTxHash)));
  const order = q.get("ordering");
  if (order && /^-?(nonce|created|modified)$/.test(order)) rows.sort(cmpNonceCreated(order));
  else rows.sort((x, y) => cmpNonceCreated("-nonce")(x, y) || cmpNonceCreated("-created")(x, y));
  const limit = Math.min(Number(q.get("limit") ?? 100) || 100, 200);
  return { status: 200, body: { ...page(rows, limit, Number(q.get("offset") ?? 0) || 0, url), countUniqueNonce: new Set(rows.map((r) => r.nonce)).size } };
}
