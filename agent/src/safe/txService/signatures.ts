// Safe signatures as the Safe Transaction Service parses them: concatenated 65-byte {r}{s}{v} chunks.
// v 27/28 = EOA (ecrecover of the hash), v > 30 = eth_sign (ecrecover of the prefixed hash, v - 4),
// v 1 = approved hash (owner in r, checked on chain), v 0 = EIP-1271 contract signature.
import { getAddress, hashMessage, recoverAddress, size, slice, hexToBigInt, type Address, type Hex } from "viem";

export type SignatureType = "EOA" | "ETH_SIGN" | "APPROVED_HASH" | "CONTRACT_SIGNATURE";

export interface ParsedSignature {
  owner: Address;
  type: SignatureType;
  /** The 65-byte chunk as exported in confirmations. */
  signature: Hex;
  /** EIP-1271 only: the bytes handed to the owner contract's isValidSignature. */
  contractData?: Hex;
}

export class SignatureParseError extends Error {}

export async function parseSignatures(signatures: Hex | null | undefined, hash: Hex): Promise<ParsedSignature[]> {
  if (!signatures || signatures === "0x") return [];
  const n = size(signatures);
  if (n < 65) throw new SignatureParseError(`Signature=${signatures} is shorter than 65 bytes`);
  const out: ParsedSignature[] = [];
  // Chunks stop where EIP-1271 dynamic data starts (the smallest offset a v=0 chunk points to).
  let end = n;
  for (let i = 0; i + 65 <= end; i += 65) {
    const chunk = slice(signatures, i, i + 65);
    const r = slice(chunk, 0, 32);
    const s = slice(chunk, 32, 64);
    const v = Number(hexToBigInt(slice(chunk, 64, 65)));
    if (v === 27 || v === 28) {
      out.push({ owner: await recoverAddress({ hash, signature: chunk }), type: "EOA", signature: chunk });
    } else if (v === 31 || v === 32) {
      const ethSigned = slice(chunk, 0, 64) + (v - 4).toString(16).padStart(2, "0");
      out.push({ owner: await recoverAddress({ hash: hashMessage({ raw: hash }), signature: ethSigned as Hex }), type: "ETH_SIGN", signature: chunk });
    } else if (v === 1) {
      out.push({ owner: getAddress(slice(r, 12, 32)), type: "APPROVED_HASH", signature: chunk });
    } else if (v === 0) {
      const offset = Number(hexToBigInt(s));
      if (offset < 65 || offset + 32 > n) throw new SignatureParseError(`Signature=${chunk} has a contract-signature offset ${offset} outside the signature bytes`);
      end = Math.min(end, offset);
      const len = Number(hexToBigInt(slice(signatures, offset, offset + 32)));
      if (offset + 32 + len > n) throw new SignatureParseError(`Signature=${chunk} declares ${len} bytes of contract signature past the end`);
      const contractData = len ? slice(signatures, offset + 32, offset + 32 + len) : "0x";
      out.push({ owner: getAddress(slice(r, 12, 32)), type: "CONTRACT_SIGNATURE", signature: chunk, contractData });
    } else {
      throw new SignatureParseError(`Signature=${chunk} has an unsupported v=${v}`);
    }
  }
  return out;
}
