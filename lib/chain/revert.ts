// Decode a revert from the guardrails (or the Safe) into the error's name and arguments, using the
// ABIs published in deployments/abi/ (written by every compile). Clients that only know the Safe's
// ABI (protocol-kit, viem, a block explorer) show "custom error 0xbc2f3a3f"; this names it.
import fs from "node:fs";
import path from "node:path";
import { AbiErrorSignatureNotFoundError, decodeErrorResult, type Abi, type Hex } from "viem";

type AbiError = Extract<Abi[number], { type: "error" }>;

export const PUBLISHED_ABI_DIR = path.resolve(__dirname, "..", "..", "deployments", "abi");

/** Solidity's built-in Error(string) and Panic(uint256), plus every custom error we publish. */
export function publishedErrorsAbi(dir = PUBLISHED_ABI_DIR): AbiError[] {
  if (!fs.existsSync(dir)) throw new Error(`${dir} does not exist: run \`npm run compile\` to publish the ABIs`);
  const bySignature = new Map<string, AbiError>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const abi = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as Abi;
    for (const item of abi) {
      if (item.type !== "error") continue;
      bySignature.set(`${item.name}(${item.inputs.map((i) => i.type).join(",")})`, item);
    }
  }
  return [...bySignature.values()];
}

/** Safe 1.4.1 reverts with short codes; the ones a treasury user meets most. */
const SAFE_CODES: Record<string, string> = {
  GS013: "the inner call reverted and safeTxGas and gasPrice were 0",
  GS020: "signatures data too short",
  GS025: "hash not approved",
  GS026: "invalid owner signature (wrong signer, order, or signed another hash/nonce)",
  GS031: "method can only be called from this contract (the Safe itself)",
  GS104: "method can only be called from an enabled module",
  GS300: "guard does not implement IERC165 / the Guard interface",
};

function formatArg(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return `[${v.map(formatArg).join(", ")}]`;
  return String(v);
}

/**
 * One line: `Name(arg=value, ...)`; wrapped reasons (AgentModule's CallFailed(index, reason)) are
 * decoded recursively. Unknown selectors are returned as such, never guessed.
 */
export function decodeRevert(data: string, abi: AbiError[] = publishedErrorsAbi()): string {
  const hex = data.trim().toLowerCase() as Hex;
  if (!/^0x([0-9a-f]{2})*$/.test(hex)) throw new Error(`not hex revert data: ${data.slice(0, 20)}... (pass the 0x... bytes a call reverted with)`);
  if (hex === "0x") return "empty revert (no reason: out of gas, a failed assert in old code, or a call to a non-contract)";
  if (hex.length < 10) return `unrecognised revert data ${hex} (shorter than a 4-byte selector)`;
  let decoded;
  try {
    decoded = decodeErrorResult({ abi, data: hex });
  } catch (err) {
    if (err instanceof AbiErrorSignatureNotFoundError) return `unknown error selector ${hex.slice(0, 10)} (not one of ours, Error(string) or Panic(uint256))`;
    throw err;
  }
  const item = decoded.abiItem as AbiError;
  const args = (decoded.args ?? []) as unknown[];
  if (decoded.errorName === "Error" && typeof args[0] === "string" && SAFE_CODES[args[0]]) {
    return `Error("${args[0]}"): Safe: ${SAFE_CODES[args[0]]}`;
  }
  const parts = item.inputs.map((input, i) => {
    const v = args[i];
    if (input.type === "bytes" && typeof v === "string" && v.length >= 10) return `${input.name || i}=${decodeRevert(v, abi)}`;
    return `${input.name || i}=${formatArg(v)}`;
  });
  return `${decoded.errorName}(${parts.join(", ")})`;
}

/**
 * The raw revert bytes inside an error thrown by ethers, viem or protocol-kit (they nest it under
 * `data`, `error.data`, `info.error.data` or a `cause` chain), or undefined when there are none.
 */
export function revertDataOf(err: unknown, depth = 0): string | undefined {
  if (err === null || typeof err !== "object" || depth > 8) return undefined;
  const e = err as Record<string, unknown>;
  if (typeof e.data === "string" && /^0x[0-9a-fA-F]*$/.test(e.data) && e.data.length >= 10) return e.data;
  for (const key of ["data", "error", "info", "cause", "raw"]) {
    const found = revertDataOf(e[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** A decoded revert as data: the error's name and its arguments (nested reasons decoded to text). */
export interface RevertParts {
  name: string;
  args: Record<string, string>;
  text: string;
}

/** Name and arguments of a revert (null when the selector is not ours, Error(string) or Panic). */
export function decodeRevertParts(data: string, abi: AbiError[] = publishedErrorsAbi()): RevertParts | null {
  const hex = data.trim().toLowerCase() as Hex;
  if (!/^0x([0-9a-f]{2})*$/.test(hex) || hex.length < 10) return null;
  let decoded;
  try {
    decoded = decodeErrorResult({ abi, data: hex });
  } catch {
    return null;
  }
  const item = decoded.abiItem as AbiError;
  const values = (decoded.args ?? []) as unknown[];
  const args: Record<string, string> = {};
  item.inputs.forEach((input, i) => {
    const v = values[i];
    args[input.name || String(i)] = input.type === "bytes" && typeof v === "string" && v.length >= 10 ? decodeRevert(v, abi) : formatArg(v);
  });
  return { name: decoded.errorName, args, text: decodeRevert(hex, abi) };
}
