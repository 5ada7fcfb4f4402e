// `npm run test:fork`: the mainnet-fork tests (test/fork/), against the real deployments in
// deployments/mainnet.json. Needs an Ethereum mainnet RPC; everything else runs offline.
//
//   MAINNET_RPC_URL=https://...   required, an archive-capable Ethereum mainnet node
//   FORK_BLOCK=<n>                optional, pin the fork (reproducible runs; needs archive state)
//   npm run test:fork -- --grep Aave   extra arguments go to `hardhat test`
//
// Exit codes: 2 = not configured (nothing ran); otherwise hardhat's own exit code.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const HEADLINE =
  "npm run test:fork needs MAINNET_RPC_URL=<an archive-capable Ethereum mainnet RPC URL>; optionally FORK_BLOCK=<n> to pin the fork block.";
const USAGE = [
  "  example: MAINNET_RPC_URL=https://eth-mainnet.example/v2/<key> npm run test:fork",
  "  example: MAINNET_RPC_URL=... FORK_BLOCK=<recent block number> npm run test:fork -- --grep Aave",
  "  The fork tests (test/fork/) use only the addresses in deployments/mainnet.json; `npm test` never runs them.",
].join("\n");

function fail(message: string): never {
  process.stderr.write(`${HEADLINE}\n  (${message})\n${USAGE}\n`);
  process.exit(2);
}

const rpc = process.env.MAINNET_RPC_URL?.trim();
if (!rpc) fail("MAINNET_RPC_URL is not set.");
if (!/^https?:\/\//i.test(rpc)) fail("MAINNET_RPC_URL must be an http(s):// URL (value not shown: it may contain an API key).");

const forkBlock = process.env.FORK_BLOCK?.trim();
if (forkBlock && !/^[1-9][0-9]*$/.test(forkBlock)) fail(`FORK_BLOCK must be a positive block number, got "${forkBlock}".`);

const root = path.resolve(__dirname, "..");
const hardhat = path.join(root, "node_modules", ".bin", process.platform === "win32" ? "hardhat.cmd" : "hardhat");
if (!fs.existsSync(hardhat)) fail(`${hardhat} not found: run \`npm ci\` first.`);

const env: NodeJS.ProcessEnv = { ...process.env, FORK_TESTS: "1", MAINNET_RPC_URL: rpc };
if (forkBlock) env.FORK_BLOCK = forkBlock;
else delete env.FORK_BLOCK;

const child = spawn(hardhat, ["test", ...process.argv.slice(2)], { cwd: root, env, stdio: "inherit" });

// Ctrl-C / kill reach the whole process group anyway; forward explicitly for a plain `kill <pid>`.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}

child.on("error", (err) => {
  process.stderr.write(`test:fork: could not start ${hardhat}: ${err.message}\n`);
  process.exit(1);
});

child.on("exit", (code, signal) => {
  if (signal) {
    process.stderr.write(`test:fork: hardhat test was terminated by ${signal}\n`);
    process.exit(1);
  }
  process.exit(code ?? 1);
});
