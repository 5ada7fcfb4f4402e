// Every event the indexer handles, stored raw: no reads, no receipts.
import { ponder } from "ponder:registry";
import { rawEvent } from "ponder:schema";
import { replaceBigInts } from "ponder";
import { AgentModuleAbi, SafeAbi, TreasuryGuardAbi, TreasuryPolicyAbi } from "../../../abis/generated/abis";

const SAFE_EVENTS = [
  "ExecutionSuccess", "ExecutionFailure", "ExecutionFromModuleSuccess", "ExecutionFromModuleFailure",
  "AddedOwner", "RemovedOwner", "ChangedThreshold", "EnabledModule", "DisabledModule", "ChangedGuard", "ChangedFallbackHandler",
];
const eventsOf = (abi: readonly { type: string; name?: string }[]) => abi.filter((x) => x.type === "event").map((x) => x.name!);
const sources: [string, string[]][] = [
  ["Safe", SAFE_EVENTS.filter((n) => eventsOf(SafeAbi).includes(n))],
  ["TreasuryPolicy", eventsOf(TreasuryPolicyAbi)],
  ["TreasuryGuard", eventsOf(TreasuryGuardAbi)],
  ["AgentModule", eventsOf(AgentModuleAbi)],
  ["AssetTokenIn", ["Transfer"]],
  ["AssetTokenOut", ["Transfer"]],
  ["PositionTokenIn", ["Transfer"]],
  ["PositionTokenOut", ["Transfer"]],
];
for (const [source, names] of sources) {
  for (const name of names) {
    /* eslint-disable @typescript-eslint/no-explicit-any -- registered by name */
    ponder.on(`${source}:${name}` as any, (async ({ event, context }: any) => {
      await context.db.insert(rawEvent).values({ id: event.id, name: `${source}:${name}`, blockNumber: event.block.number, args: replaceBigInts(event.args, (v: bigint) => v.toString()) });
    }) as any);
    /* eslint-enable @typescript-eslint/no-explicit-any */
  }
}
ponder.on("NavInterval:block", async ({ event, context }) => {
  await context.db.insert(rawEvent).values({ id: event.id, name: "NavInterval:block", blockNumber: event.block.number, args: null });
});
