// Decode a revert from the guardrails (or the Safe) into the error's name and arguments. The
// decoder lives in the chain-client library (lib/chain/revert.ts); this file is its command line.
import { decodeRevert } from "../../lib/chain/revert";

export { decodeRevert, decodeRevertParts, publishedErrorsAbi, revertDataOf, PUBLISHED_ABI_DIR } from "../../lib/chain/revert";

if (require.main === module) {
  const data = process.argv[2];
  if (!data || data === "--help" || data === "-h") {
    console.error("usage: npm run decode-revert -- 0x<revert data>\n  names the guardrails' or the Safe's error and its arguments, e.g. PayeeNotAllowed(to=0x...)");
    process.exit(data ? 0 : 2);
  }
  try {
    console.log(decodeRevert(data));
  } catch (err) {
    console.error(`decode-revert: ${(err as Error).message}`);
    process.exit(2);
  }
}
