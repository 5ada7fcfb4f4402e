// One line for a failed step: a revert decoded to the policy's error name and arguments (the
// published ABIs), else the client's short message.
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
  const m = e instanceof Error ? ((e as { shortMessage?: string }).shortMessage ?? e.message) : String(e);
  return m.split("\n")[0].split("\u0000").join("");
}
