import fs from "node:fs";
import path from "node:path";
import { HardhatUserConfig, subtask, task } from "hardhat/config";
import { TASK_COMPILE, TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, TASK_TEST_GET_TEST_FILES } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";
import "hardhat-abi-exporter";

// Offline solc: Hardhat 2 would download compilers from binaries.soliditylang.org, which this
// environment cannot reach. Use the solcjs (wasm) build inside the pinned npm package `solc`.
const SOLC_VERSION = "0.8.28";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async ({ solcVersion }: { solcVersion: string }) => {
  const pkg = require("solc/package.json").version === solcVersion ? "solc" : `solc-${solcVersion}`;
  let compilerPath: string;
  try {
    compilerPath = require.resolve(`${pkg}/soljson.js`);
  } catch {
    throw new Error(`Offline build: solc ${solcVersion} is not installed. Add "solc-${solcVersion}": "npm:solc@${solcVersion}" to devDependencies.`);
  }
  const longVersion = (require(pkg).version() as string).replace(/\.Emscripten.*$/, "");
  return { compilerPath, isSolcJs: true, version: solcVersion, longVersion };
});

// After every compile (and after hardhat-abi-exporter has rewritten deployments/abi): regenerate the
// indexer's `as const` ABIs from the same ABIs, so the indexer always decodes what is deployed.
task(TASK_COMPILE).setAction(async (args, _hre, runSuper) => {
  const result = await runSuper(args);
  require("./indexer/scripts/abis.cjs").writeIndexerAbis();
  return result;
});

// Mainnet-fork tests live in test/fork and run only through `npm run test:fork` (FORK_TESTS=1):
// they need MAINNET_RPC_URL and are not part of `npm test`.
const FORK_DIR = path.join(__dirname, "test", "fork") + path.sep;
subtask(TASK_TEST_GET_TEST_FILES).setAction(async (args: { testFiles: string[] }, _hre, runSuper) => {
  // Hardhat 2 takes test files only; also accept directories (`npx hardhat test test/world`).
  const testFiles = args.testFiles.flatMap((f) => {
    const abs = path.resolve(f);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) return [f];
    return (fs.readdirSync(abs, { recursive: true }) as string[])
      .filter((x) => /\.(ts|js)$/.test(x) && !x.endsWith(".d.ts"))
      .map((x) => path.join(abs, x))
      .sort();
  });
  const files: string[] = await runSuper({ ...args, testFiles });
  const forkMode = process.env.FORK_TESTS === "1";
  return files.filter((f) => f.startsWith(FORK_DIR) === forkMode);
});

const forking = process.env.FORK_TESTS === "1" && process.env.MAINNET_RPC_URL
  ? { url: process.env.MAINNET_RPC_URL, blockNumber: process.env.FORK_BLOCK ? Number(process.env.FORK_BLOCK) : undefined }
  : undefined;

const config: HardhatUserConfig = {
  solidity: {
    compilers: [{ version: SOLC_VERSION, settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" } }],
  },
  networks: {
    hardhat: {
      hardfork: "cancun",
      chainId: forking ? 1 : 31337,
      forking,
    },
    // Any JSON-RPC node (e.g. the one `npm run chain` started); never a hard-coded port.
    rpc: { url: process.env.RPC_URL ?? "http://127.0.0.1:0" },
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  // The ABIs (events and custom errors included) of the contracts we deploy, published with the
  // deployments so clients, explorers and the Safe web app's simulation can decode our reverts.
  // Regenerated on every compile; CI fails when the committed copy is not current.
  abiExporter: {
    path: "./deployments/abi",
    runOnCompile: true,
    clear: true,
    flat: true,
    only: ["^contracts/[^/]*:"],
    spacing: 2,
    format: "json",
  },
  mocha: { timeout: 120_000 },
};

export default config;
