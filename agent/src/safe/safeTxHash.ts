// The SafeTx EIP-712 digest, as the Safe contract and the Safe Transaction Service compute it:
// domain {chainId, verifyingContract} from Safe 1.3.0, {verifyingContract} before; `dataGas` before 1.0.0.
import { hashTypedData, type Address, type Hex } from "viem";
import type { SafeTx } from "../../../lib/chain/safe";

/** The SafeTx struct (lib/chain/safe.ts); only the hash below varies with the Safe version. */
export type SafeTxFields = SafeTx;

const field = (name: string, type: string) => ({ name, type });

function cmpVersion(a: string, b: string): number {
  const pa = a.split("+")[0].split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export function safeTxHash(p: { chainId: number | bigint; safe: Address; version: string; tx: SafeTxFields }): Hex {
  const gasName = cmpVersion(p.version, "1.0.0") < 0 ? "dataGas" : "baseGas";
  const types = {
    SafeTx: [
      field("to", "address"), field("value", "uint256"), field("data", "bytes"), field("operation", "uint8"),
      field("safeTxGas", "uint256"), field(gasName, "uint256"), field("gasPrice", "uint256"),
      field("gasToken", "address"), field("refundReceiver", "address"), field("nonce", "uint256"),
    ],
  };
  const domain = cmpVersion(p.version, "1.3.0") >= 0 ? { chainId: Number(p.chainId), verifyingContract: p.safe } : { verifyingContract: p.safe };
  const { baseGas, ...rest } = p.tx;
  const message = { ...rest, [gasName]: baseGas, data: p.tx.data || "0x" };
  return hashTypedData({ domain, types, primaryType: "SafeTx", message });
}
