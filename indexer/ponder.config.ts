// Ponder configuration: the chain and addresses come from deployments/<network>.json (NETWORK,
// default "local"; or DEPLOYMENTS_FILE), or from INDEXER_DEPLOYMENTS (a comma-separated list of
// deployments files of one chain, one per Safe: many treasuries, one indexer), checked against the
// RPC before anything starts.
// Database: Postgres when DATABASE_URL is set; otherwise an embedded PGlite directory keyed by the
// chain instance (chain id + hash of the deployment's first block), so a restarted local chain
// never replays rows of the previous one.
import path from "node:path";
import { createConfig, factory } from "ponder";
import { erc20Abi, getAbiItem } from "viem";
import { AgentModuleAbi, SafeAbi, TreasuryGuardAbi, TreasuryPolicyAbi } from "./abis/generated/abis";
import { envInt, firstBlockWithCode, probeChain, readDeploymentFiles, rpcUrlFor } from "./src/lib/deployment";

// One or more treasuries (INDEXER_DEPLOYMENTS: one deployments file per Safe, one chain); the
// first file names the chain, its RPC and the database directory.
const treasuries = readDeploymentFiles();
const { file, deployment } = treasuries[0];
const rpcUrl = rpcUrlFor(deployment, file);
const { startBlockHash, head } = await probeChain(deployment, file, rpcUrl);
for (const t of treasuries.slice(1)) await probeChain(t.deployment, t.file, rpcUrl);
const addresses = (pick: (t: (typeof treasuries)[number]) => string) => treasuries.map((t) => pick(t) as `0x${string}`);
const safes = addresses((t) => t.deployment.treasury.safe);
const policies = addresses((t) => t.deployment.guardrails.policy);
const startBlock = Math.min(...treasuries.map((t) => t.deployment.block));
// Valuation reads of each Safe start once its valuation exists (the file's block is the world's first block).
const valuationBlocks: Record<string, number> = {};
for (const t of treasuries) {
  valuationBlocks[t.deployment.treasury.safe.toLowerCase()] = await firstBlockWithCode(rpcUrl, t.deployment.guardrails.valuation, t.deployment.block, head);
}
const valuationBlock = Math.min(...Object.values(valuationBlocks));
const local = deployment.chainId === 31337;
// Handlers skip valuation reads before these blocks (they run in this process, after this file).
process.env.INDEXER_VALUATION_BLOCK = String(valuationBlock);
process.env.INDEXER_VALUATION_BLOCKS = JSON.stringify(valuationBlocks);

// Ponder's adaptive rate limiter starts at 20 requests/s per RPC entry: against a local node that
// is the bottleneck of a backfill, so list the same URL several times (RPC_FANOUT, default 8 locally).
const fanout = envInt("RPC_FANOUT", local ? 8 : 1);
const navInterval = envInt("NAV_INTERVAL_BLOCKS", local ? 50 : 300);
process.env.INDEXER_NAV_INTERVAL = String(navInterval); // the handlers read interval blocks ahead
// Read here too so a bad value stops the indexer at start (the handlers use them: src/index.ts).
envInt("NAV_READ_CONCURRENCY", 16);
envInt("NAV_LOOKAHEAD_BLOCKS", 1_000, true);

const pgliteDir =
  process.env.PONDER_PGLITE_DIR ?? path.join(".ponder", `${deployment.network}-${deployment.chainId}-${startBlockHash.slice(2, 14)}`);

// One source per direction: Ponder keeps a single topic filter per event and source, so an array
// of two Transfer filters would silently keep only one of them.
// A list of Safes is one topic filter with several values (any of them).
const one = <T,>(list: T[]): T | T[] => (list.length === 1 ? list[0] : list);
const into = { event: "Transfer" as const, args: { to: one(safes) } };
const outOf = { event: "Transfer" as const, args: { from: one(safes) } };
const assetSet = factory({ address: one(policies), event: getAbiItem({ abi: TreasuryPolicyAbi, name: "AssetSet" }), parameter: "token" });
const positionSet = factory({ address: one(policies), event: getAbiItem({ abi: TreasuryPolicyAbi, name: "PositionSet" }), parameter: "token" });

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : { kind: "pglite", directory: pgliteDir },
  chains: {
    chain: {
      id: deployment.chainId,
      rpc: fanout > 1 ? Array.from({ length: fanout }, () => rpcUrl) : rpcUrl,
      pollingInterval: local ? 200 : 1_000,
      // A local chain restarts with the same id: never trust cached RPC results across instances.
      disableCache: local,
    },
  },
  contracts: {
    Safe: { chain: "chain", abi: SafeAbi, address: one(safes), startBlock },
    TreasuryPolicy: { chain: "chain", abi: TreasuryPolicyAbi, address: one(policies), startBlock },
    TreasuryGuard: { chain: "chain", abi: TreasuryGuardAbi, address: one(addresses((t) => t.deployment.guardrails.guard)), startBlock },
    AgentModule: { chain: "chain", abi: AgentModuleAbi, address: one(addresses((t) => t.deployment.guardrails.module)), startBlock },
    // Every asset and position the policy registers, discovered from its own events.
    AssetTokenIn: { chain: "chain", abi: erc20Abi, address: assetSet, filter: into, startBlock },
    AssetTokenOut: { chain: "chain", abi: erc20Abi, address: assetSet, filter: outOf, startBlock },
    PositionTokenIn: { chain: "chain", abi: erc20Abi, address: positionSet, filter: into, startBlock },
    PositionTokenOut: { chain: "chain", abi: erc20Abi, address: positionSet, filter: outOf, startBlock },
  },
  blocks: {
    NavInterval: { chain: "chain", startBlock: valuationBlock, interval: navInterval },
  },
});
