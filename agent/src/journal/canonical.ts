// The canonical form of a decision record (RFC 8785 JSON canonicalization: sorted keys, no spaces,
// ECMAScript number form) and its keccak256: the hash that goes on chain with the batch. bigints
// become decimal strings and undefined fields are dropped first, so the same record always hashes
// the same, whatever produced it.
import canonicalize from "canonicalize";
import { keccak256, stringToBytes, type Hex } from "viem";

/** JSON-safe copy: bigint → decimal string, undefined dropped, non-finite numbers refused. */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  // Postgres text and jsonb refuse NUL; revert strings decoded from raw bytes may carry it.
  if (typeof v === "string") return v.includes("\u0000") ? v.split("\u0000").join("\\u0000") : v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`canonical JSON: a non-finite number (${v}) cannot be hashed`);
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : jsonSafe(x)));
  if (v && typeof v === "object") {
    if (v instanceof Date) return v.toISOString();
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = jsonSafe(x);
    return o;
  }
  return v;
}

export function canonicalJson(v: unknown): string {
  const s = canonicalize(jsonSafe(v));
  if (s === undefined) throw new Error("canonical JSON: nothing to serialize");
  return s;
}

export function decisionHash(body: unknown): Hex {
  return keccak256(stringToBytes(canonicalJson(body)));
}
