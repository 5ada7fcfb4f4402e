// A scheduled change's calldata, decoded for people: which function on which contract, with its
// arguments by name. Pure. Safe configuration changes (target = the Safe) use the Safe's ABI; policy
// loosenings (target = the policy) the policy's. Anything else is shown raw: the owners must read it.
import { decodeFunctionData, parseAbi, type Abi, type Address, type Hex } from "viem";
import { safeAbi, treasuryPolicyAbi } from "../../../../lib/chain/abi";

/** SignMessageLib.signMessage: an on-chain message approval, timelocked like a configuration change. */
const signMessageAbi = parseAbi(["function signMessage(bytes _data)"]);

export type ChangeClass = "owners" | "threshold" | "module" | "guard" | "fallbackHandler" | "message" | "policy" | "unknown";

export interface DecodedChange {
  target: Address;
  /** "safe", "policy" or "unknown": whose calldata it is. */
  on: "safe" | "policy" | "unknown";
  functionName: string | null;
  /** Argument name → value (bigints as decimal strings, so it survives JSON). */
  args: Record<string, string>;
  class: ChangeClass;
  /** One line: `setGuard(guard=0x0…)`. */
  text: string;
}

const CLASS: Record<string, ChangeClass> = {
  addOwnerWithThreshold: "owners",
  removeOwner: "owners",
  swapOwner: "owners",
  changeThreshold: "threshold",
  enableModule: "module",
  disableModule: "module",
  setGuard: "guard",
  setFallbackHandler: "fallbackHandler",
  signMessage: "message",
};

const show = (v: unknown): string => (typeof v === "bigint" ? v.toString() : typeof v === "object" && v !== null ? JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x)) : String(v));

function tryDecode(abi: Abi, data: Hex): { functionName: string; args: Record<string, string> } | undefined {
  try {
    const d = decodeFunctionData({ abi, data });
    const fn = abi.find((x) => x.type === "function" && x.name === d.functionName) as { inputs: readonly { name?: string }[] } | undefined;
    const args: Record<string, string> = {};
    (d.args ?? []).forEach((v, i) => (args[fn?.inputs[i]?.name || `arg${i}`] = show(v)));
    return { functionName: d.functionName, args };
  } catch {
    return undefined;
  }
}

export function decodeScheduled(target: Address, data: Hex, who: { safe: Address; policy: Address }): DecodedChange {
  const on = target.toLowerCase() === who.safe.toLowerCase() ? "safe" : target.toLowerCase() === who.policy.toLowerCase() ? "policy" : "unknown";
  const d = on === "safe" ? (tryDecode(safeAbi, data) ?? tryDecode(signMessageAbi, data)) : on === "policy" ? tryDecode(treasuryPolicyAbi as Abi, data) : undefined;
  if (!d) return { target, on, functionName: null, args: {}, class: "unknown", text: `unknown call ${data.slice(0, 10)} on ${target} (${(data.length - 2) / 2} bytes): read the calldata before it becomes executable` };
  const cls = on === "policy" ? "policy" : (CLASS[d.functionName] ?? "unknown");
  const text = `${d.functionName}(${Object.entries(d.args).map(([k, v]) => `${k}=${v}`).join(", ")})`;
  return { target, on, functionName: d.functionName, args: d.args, class: cls, text };
}
