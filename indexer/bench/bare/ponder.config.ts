// Benchmark baseline (npm run bench:indexer): the same sources as the indexer (../../ponder.config.ts)
// with the same block interval, but no receipts and no chain reads: the engine's limit on this chain.
import { createConfig, factory } from "ponder";
import { erc20Abi, getAbiItem } from "viem";
import { AgentModuleAbi, SafeAbi, TreasuryGuardAbi, TreasuryPolicyAbi } from "../../abis/generated/abis";
import { firstBlockWithCode, probeChain, readDeploymentFile, rpcUrlFor } from "../../src/lib/deployment";

const { file, deployment } = readDeploymentFile();
const rpcUrl = rpcUrlFor(deployment, file);
const { head } = await probeChain(deployment, file, rpcUrl);
const g = deployment.guardrails as Record<string, `0x${string}`>;
const safe = deployment.treasury.safe as `0x${string}`;
const startBlock = deployment.block;
const valuationBlock = await firstBlockWithCode(rpcUrl, g.valuation, startBlock, head);
const fanout = Number(process.env.RPC_FANOUT ?? 8);
const into = { event: "Transfer" as const, args: { to: safe } };
const outOf = { event: "Transfer" as const, args: { from: safe } };
const assetSet = factory({ address: g.policy, event: getAbiItem({ abi: TreasuryPolicyAbi, name: "AssetSet" }), parameter: "token" });
const positionSet = factory({ address: g.policy, event: getAbiItem({ abi: TreasuryPolicyAbi, name: "PositionSet" }), parameter: "token" });

export default createConfig({
  database: { kind: "pglite", directory: process.env.PONDER_PGLITE_DIR ?? ".ponder/bare" },
  chains: { chain: { id: deployment.chainId, rpc: Array.from({ length: fanout }, () => rpcUrl), pollingInterval: 200, disableCache: true } },
  contracts: {
    Safe: { chain: "chain", abi: SafeAbi, address: safe, startBlock },
    TreasuryPolicy: { chain: "chain", abi: TreasuryPolicyAbi, address: g.policy, startBlock },
    TreasuryGuard: { chain: "chain", abi: TreasuryGuardAbi, address: g.guard, startBlock },
    AgentModule: { chain: "chain", abi: AgentModuleAbi, address: g.module, startBlock },
    AssetTokenIn: { chain: "chain", abi: erc20Abi, address: assetSet, filter: into, startBlock },
    AssetTokenOut: { chain: "chain", abi: erc20Abi, address: assetSet, filter: outOf, startBlock },
    PositionTokenIn: { chain: "chain", abi: erc20Abi, address: positionSet, filter: into, startBlock },
    PositionTokenOut: { chain: "chain", abi: erc20Abi, address: positionSet, filter: outOf, startBlock },
  },
  blocks: { NavInterval: { chain: "chain", startBlock: valuationBlock, interval: Number(process.env.NAV_INTERVAL_BLOCKS ?? 50) } },
});
