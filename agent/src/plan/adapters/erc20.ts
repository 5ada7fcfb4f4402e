// Exact approvals: approve exactly what the next call spends; for tokens that refuse changing a
// non-zero allowance (USDT-style), reset it to 0 first.
import type { Address } from "viem";
import { approve, type Call } from "../../../../lib/chain/encode";

export function exactApproval(token: Address, spender: Address, amount: bigint, current: bigint, needsReset: boolean): Call[] {
  const calls: Call[] = [];
  if (needsReset && current !== 0n) calls.push(approve(token, spender, 0n));
  calls.push(approve(token, spender, amount));
  return calls;
}
