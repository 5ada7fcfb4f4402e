// Deploy the local world to an already running JSON-RPC node (chain id 31337, funded test-mnemonic
// accounts, e.g. anvil or `hardhat node`) and write deployments/<network>.json.
//
//   npx ts-node --transpile-only scripts/deploy-world.ts --rpc http://127.0.0.1:PORT [--network local] [--out DIR]
// (`npm run chain` starts anvil and calls this for you.)
import path from "node:path";
import { parseArgs } from "node:util";
import type { Signer } from "ethers";
import { deployWorld, worldToDeploymentJson, writeDeployment, DeploymentJson, World, WorldOptions } from "./world";
import { connectRpc } from "./world/rpc";

/**
 * A post-deploy step that adds contracts to the world and returns their addresses for the
 * deployments JSON `guardrails` key. The guardrails step (policy / guard / module wired to the
 * treasury Safe) plugs in here, so deployWorld itself stays free of guardrail logic.
 */
export type WorldExtension = (world: World, signers: Signer[]) => Promise<Record<string, string>>;

export interface RpcDeployResult {
  world: World;
  json: DeploymentJson & { rpcUrl: string };
  file: string;
}

export async function deployWorldToRpc(params: {
  rpcUrl: string;
  network: string;
  outDir?: string;
  extensions?: WorldExtension[];
  worldOptions?: Omit<WorldOptions, "log">;
  mnemonic?: string;
  log?: (m: string) => void;
  /** Keep the world's provider open (a replay drives the world afterwards); the caller destroys world.provider. */
  keepProvider?: boolean;
}): Promise<RpcDeployResult> {
  // All 10 test-mnemonic accounts: deployWorld uses the first 7, extensions may need more (e.g. a guardian).
  const { signers, provider } = await connectRpc(params.rpcUrl, { mnemonic: params.mnemonic, count: 10 });
  try {
    const world = await deployWorld(signers, { ...params.worldOptions, log: params.log });
    const guardrails: Record<string, string> = {};
    for (const ext of params.extensions ?? []) Object.assign(guardrails, await ext(world, signers));
    // rpcUrl only exists in files of local chains: it says where this world lives.
    const json = { ...worldToDeploymentJson(world, params.network, guardrails), rpcUrl: params.rpcUrl };
    const file = writeDeployment(json, params.outDir);
    return { world, json, file };
  } finally {
    if (!params.keepProvider) provider.destroy();
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      rpc: { type: "string" },
      network: { type: "string", default: "local" },
      out: { type: "string" },
      verbose: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (!values.rpc) throw new Error("--rpc URL is required (the JSON-RPC endpoint of a chain-31337 node)");
  const { world, file } = await deployWorldToRpc({
    rpcUrl: values.rpc, network: values.network!, outDir: values.out && path.resolve(values.out), log: values.verbose ? console.log : undefined,
  });
  console.log(`World deployed to ${values.rpc} in ${world.deployMs} ms; treasury Safe ${world.treasury.safe}; wrote ${file}`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
