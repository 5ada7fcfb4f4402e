// One line for a failed step: a revert decoded to the policy's error name and arguments (the
// published ABIs), else the client's short message.
import type { PublicClient, TransactionReceipt } from "viem";
import { decodeRevert, revertDataOf } from "../../../lib/chain";

export function errorText(e: unknown): string {
  const data = revertDataOf(e);
  if (data && data !== "0x") {
    try {
      return `reverted: ${decodeRevert(data)}`;
    } catch {
      /* fall through to the message */
    }
  }
  const http = httpFailureOf(e);
  if (http) return http;
  const m = e instanceof Error ? ((e as { shortMessage?: string }).shortMessage ?? e.message) : String(e);
  return m.split("\n")[0].split("\u0000").join("");
}

/** viem's HttpRequestError says only "HTTP request failed." on its first line: name the URL that did
 * not answer and why (refused, timed out, the HTTP status), somewhere in the cause chain. */
function httpFailureOf(e: unknown): string | undefined {
  for (let c = e as { name?: string; url?: string; status?: number; details?: string; cause?: unknown } | undefined, i = 0; c && i < 8; c = c.cause as typeof c, i++) {
    if (c.name === "HttpRequestError" && c.url) {
      const why = c.status ? `HTTP ${c.status}` : (c.details ?? "no answer").split("\n")[0];
      return `HTTP request to ${c.url} failed (${why})`;
    }
    if (c.name === "TimeoutError" && c.url) return `HTTP request to ${c.url} timed out`;
  }
  return undefined;
}

/**
 * Why a mined transaction reverted: the gas it used of its limit, and its call replayed on the state
 * before its block (the reason decoded), or that the replay succeeds (the state changed in between,
 * or the limit was too tight).
 */
export async function whyReverted(client: PublicClient, receipt: TransactionReceipt): Promise<string> {
  const tx = await client.getTransaction({ hash: receipt.transactionHash });
  const gas = `gas used ${receipt.gasUsed} of a ${tx.gas} limit`;
  try {
    await client.call({ account: tx.from, to: tx.to!, data: tx.input, value: tx.value, gas: tx.gas, blockNumber: receipt.blockNumber - 1n });
    return `reverted in its block (${gas}) but succeeds replayed on the state before it: the state changed in between, or the gas limit was too tight`;
  } catch (e) {
    return `reverted (${gas}); replayed on the state before its block: ${errorText(e)}`;
  }
}
