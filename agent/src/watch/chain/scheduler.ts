// Who scheduled a change: the policy's schedule() is Safe-only, so "who" is the Safe transaction that
// called it: the account that sent it and the owners whose signatures it carried (recovered from the
// signatures and the safeTxHash the guard logged in the same transaction). An edge: reads the
// transaction and its receipt.
import { decodeEventLog, decodeFunctionData, getAddress, hexToBigInt, recoverAddress, recoverMessageAddress, slice, type Address, type Hex, type PublicClient } from "viem";
import { safeAbi, treasuryGuardAbi } from "../../../../lib/chain/abi";

export interface Scheduler {
  /** The account that sent the transaction (paid its gas). */
  sender: Address;
  /** Owners whose signatures the Safe transaction carried (empty when not an execTransaction). */
  signers: Address[];
  safeTxHash?: Hex;
}

/** Safe 1.4.1 signature packing: 65 bytes each; v 0 = contract, 1 = approved hash, 27/28 = ECDSA, > 30 = eth_sign. */
export async function signersOf(safeTxHash: Hex, signatures: Hex): Promise<Address[]> {
  const out: Address[] = [];
  const n = Math.floor((signatures.length - 2) / 130);
  for (let i = 0; i < n; i++) {
    const sig = slice(signatures, i * 65, (i + 1) * 65);
    const r = slice(sig, 0, 32);
    const v = Number(hexToBigInt(slice(sig, 64, 65)));
    try {
      if (v === 0 || v === 1) out.push(getAddress(slice(r, 12, 32)));
      else if (v > 30) out.push(await recoverMessageAddress({ message: { raw: safeTxHash }, signature: `${slice(sig, 0, 64)}${(v - 4).toString(16)}` as Hex }));
      else out.push(await recoverAddress({ hash: safeTxHash, signature: sig }));
    } catch {
      // An unreadable signature cannot have passed the Safe's check; nothing to name.
    }
  }
  return out;
}

export async function schedulerOf(client: PublicClient, txHash: Hex, o: { safe: Address; guard: Address }): Promise<Scheduler> {
  const [tx, receipt] = await Promise.all([client.getTransaction({ hash: txHash }), client.getTransactionReceipt({ hash: txHash })]);
  let safeTxHash: Hex | undefined;
  for (const l of receipt.logs) {
    if (l.address.toLowerCase() !== o.guard.toLowerCase()) continue;
    try {
      const e = decodeEventLog({ abi: treasuryGuardAbi, data: l.data, topics: l.topics });
      if (e.eventName === "OwnerTransactionChecked") safeTxHash = e.args.safeTxHash;
    } catch {
      /* another event of the guard */
    }
  }
  let signers: Address[] = [];
  if (safeTxHash && tx.to?.toLowerCase() === o.safe.toLowerCase()) {
    try {
      const call = decodeFunctionData({ abi: safeAbi, data: tx.input });
      if (call.functionName === "execTransaction") signers = await signersOf(safeTxHash, call.args[9]);
    } catch {
      /* called through another contract: the sender is all we can name */
    }
  }
  return { sender: getAddress(tx.from), signers, safeTxHash };
}
