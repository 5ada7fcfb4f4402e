// Deploy the guardrails for an existing Safe and print the Safe transaction its owners must sign.
//
//   npm run deploy:guardrails -- --deployment deployments/mainnet.json --safe 0xSafe \
//       --settings guardrails.json --rpc https://... [--out file] [--dry-run]
//
// The deployer key comes from DEPLOYER_PRIVATE_KEY (never printed). The deployer holds no power over
// the policy after deployment; it never needs, and never assumes, Safe owner keys: attaching the
// guard and enabling the module is one Safe transaction the owners review and sign (printed here as
// raw fields and as a Safe{Wallet} Transaction Builder JSON file).
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { Contract, JsonRpcProvider, NonceManager, Wallet, ZeroAddress, getAddress, isAddress } from "ethers";
import { parseDeployment, type Deployment as DeploymentJson } from "../lib/chain/deployments";
import { multiSendCallOnlyTx } from "../lib/chain/safe";
import type { Hex } from "viem";
import { buildInitConfig, RULE_UNITS, type RuleAddresses, type RuleUnit } from "./guardrails/config";
import { ADAPTERS_NOT_DEPLOYED, deployGuardrails, deployRuleUnits, RULE_KEYS, safeAttachTxs } from "./guardrails/deploy";
import { checkSettingsAgainstTokens, loadGuardrailSettings, parseGuardrailSettings, GuardrailSettings } from "./guardrails/settings";
import { describeInitConfig } from "./guardrails/describe";

/** Safe 1.4.1 GuardManager: keccak256("guard_manager.guard.address"). */
const GUARD_STORAGE_SLOT = "0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8";
/** Safe 1.4.1 FallbackManager: keccak256("fallback_manager.handler.address"). */
const FALLBACK_HANDLER_STORAGE_SLOT = "0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5";
const SENTINEL = "0x0000000000000000000000000000000000000001";

/** Names for the addresses a reviewer meets in the dry run. */
function addressNames(d: DeploymentJson): Record<string, string> {
  const names: Record<string, string> = { ...(d.tokens as Record<string, string>) };
  for (const [sym, a] of Object.entries(d.aave.aTokens)) if (a) names[`a${sym}`] = a;
  for (const [key, v] of Object.entries(d.erc4626)) if (v) names[key] = v;
  for (const [key, m] of Object.entries(d.pendle.markets ?? {})) names[`PT-${key}`] = m.pt;
  names["AavePool"] = d.aave.pool;
  names["UniswapSwapRouter"] = d.uniswap.swapRouter;
  if (d.pendle.router) names["PendleRouter"] = d.pendle.router;
  return names;
}

function checkAddressArg(flag: string, value: string | undefined, what: string): string {
  if (!value) fail(`${flag} is required: ${what}`);
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) fail(`${flag} ${value} is not an address: write 0x followed by 40 hex digits (${what})`);
  if (!isAddress(value)) fail(`${flag} ${value} has a wrong EIP-55 checksum, so it may be mistyped: copy it again from the Safe web app (or pass it all lowercase once you have checked it)`);
  if (getAddress(value) === ZeroAddress) fail(`${flag} is the zero address: ${what}`);
  return getAddress(value);
}

const USAGE = `usage: npm run deploy:guardrails -- --deployment <deployments/X.json> --safe <address> --rpc <url>
         [--settings <settings.json>] [--out <file>] [--dry-run]
  DEPLOYER_PRIVATE_KEY=<hex key of an account with gas> is read from the environment.
  --dry-run  build and print the policy configuration only: no key needed, nothing sent.`;

/** Exit 2 with the reason; the usage text only where the command line itself was wrong. */
function fail(message: string, showUsage = true): never {
  console.error(`deploy:guardrails: ${message}${showUsage ? `\n\n${USAGE}` : ""}`);
  process.exit(2);
}

async function main() {
  const { values } = parseArgs({
    options: {
      deployment: { type: "string" },
      safe: { type: "string" },
      rpc: { type: "string", default: process.env.RPC_URL },
      settings: { type: "string" },
      out: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.deployment) fail("--deployment is required (e.g. deployments/mainnet.json)");
  const safe = checkAddressArg("--safe", values.safe, "the treasury Safe's address");
  if (!values.rpc) fail("--rpc (or RPC_URL) is required: the JSON-RPC URL of the chain the Safe is on");
  let deployment: DeploymentJson;
  try {
    deployment = parseDeployment(JSON.parse(fs.readFileSync(values.deployment, "utf8")), values.deployment);
  } catch (err) {
    fail(`cannot read ${values.deployment}: ${(err as Error).message}`);
  }
  let settings: GuardrailSettings;
  try {
    settings = values.settings ? loadGuardrailSettings(values.settings) : parseGuardrailSettings({}, "default guardrail settings");
    checkSettingsAgainstTokens(settings, deployment.tokens as Record<string, string>, values.settings ? `guardrail settings ${values.settings}` : "default guardrail settings");
  } catch (err) {
    fail((err as Error).message, false);
  }

  const provider = new JsonRpcProvider(values.rpc, undefined, { cacheTimeout: -1 });
  const chainId = Number((await provider.getNetwork()).chainId);
  if (chainId !== deployment.chainId) fail(`the RPC is chain ${chainId} but ${values.deployment} is chain ${deployment.chainId}`);
  if ((await provider.getCode(safe)) === "0x") fail(`no contract at ${safe} on chain ${chainId}: is this the Safe?`);
  const safeContract = new Contract(safe, ["function getOwners() view returns (address[])", "function getThreshold() view returns (uint256)", "function VERSION() view returns (string)"], provider);
  const [owners, threshold, version] = await Promise.all([safeContract.getOwners(), safeContract.getThreshold(), safeContract.VERSION()]);
  if (version !== "1.4.1") fail(`the Safe is version ${version}; these guardrails are for Safe 1.4.1 (1.5 guards see module txs differently)`);
  if (settings.agents.length === 0) console.warn("warning: no agent keys in the settings: the module will refuse every agent call until one is added (timelocked).");
  // The attach transaction replaces any guard and fallback handler and adds a module: the owners should know what is there.
  const guardWord = await provider.getStorage(safe, GUARD_STORAGE_SLOT);
  const existingGuard = getAddress("0x" + guardWord.slice(-40));
  if (existingGuard !== ZeroAddress) console.warn(`warning: the Safe already has a guard (${existingGuard}); attaching replaces it. Check nothing else relies on it.`);
  const handlerWord = await provider.getStorage(safe, FALLBACK_HANDLER_STORAGE_SLOT);
  const existingHandler = getAddress("0x" + handlerWord.slice(-40));
  if (existingHandler !== ZeroAddress && existingHandler !== getAddress(deployment.safe.fallbackHandler)) console.warn(`warning: the Safe's fallback handler is ${existingHandler}, not Safe's CompatibilityFallbackHandler; attaching replaces it with TreasuryFallbackHandler (ERC-1271 only for messages signed on-chain). Check nothing relies on the old one.`);
  const modules = new Contract(safe, ["function getModulesPaginated(address start, uint256 pageSize) view returns (address[] array, address next)"], provider);
  const [enabled] = (await modules.getModulesPaginated(SENTINEL, 20)) as [string[], string];
  if (enabled.length > 0) console.warn(`warning: the Safe already has ${enabled.length} module(s) enabled (${enabled.join(", ")}); modules bypass the guard in Safe 1.4.1, so each of them can move funds around these guardrails.`);

  // The call-rule units the deployment already lists are reused; a dry run shows the others as
  // placeholders (0x…a1, 0x…a2, ...) that the real run replaces with freshly deployed units.
  const known = (deployment.guardrails ?? {}) as Record<string, string | undefined>;
  const placeholderRules = Object.fromEntries(
    (Object.keys(RULE_UNITS) as RuleUnit[]).map((u, i) => [u, known[RULE_KEYS[u]] ?? getAddress(`0x${(0xa1 + i).toString(16).padStart(40, "0")}`)]),
  ) as RuleAddresses;
  // Adapters are deployed with the guardrails; the dry run shows placeholders for their addresses.
  const init = await buildInitConfig(deployment, settings, provider, placeholderRules, ADAPTERS_NOT_DEPLOYED);
  console.log(`Policy for Safe ${safe} (${threshold}-of-${owners.length}) on chain ${chainId}:`);
  console.log(`  ${init.assets.length} assets, ${init.positions.length} positions, ${init.rules.length} rules, ${init.spenders.length} spenders`);
  console.log(`  caps ${JSON.stringify(settings.caps)}  limits ${JSON.stringify(settings.limits)}  delay ${settings.delaySeconds}s`);
  if (values["dry-run"]) {
    console.log(JSON.stringify(describeInitConfig(init, addressNames(deployment), placeholderRules), null, 2));
    return;
  }

  const key = process.env.DEPLOYER_PRIVATE_KEY;
  if (!key) fail("DEPLOYER_PRIVATE_KEY is not set (or use --dry-run)");
  let wallet: Wallet;
  try {
    wallet = new Wallet(key, provider);
  } catch {
    fail("DEPLOYER_PRIVATE_KEY is not a valid private key"); // the key itself is never echoed
  }
  const deployer = new NonceManager(wallet);
  console.log(`Deploying from ${wallet.address} ...`);
  const target = parseDeployment({ ...deployment, treasury: { safe, owners, threshold: Number(threshold) } }, values.deployment);
  const rules = await deployRuleUnits(deployer, target);
  const { addresses } = await deployGuardrails(deployer, target, settings, { rules, init: await buildInitConfig(target, settings, provider, rules, ADAPTERS_NOT_DEPLOYED) });
  const attach = multiSendCallOnlyTx(deployment.safe.multiSendCallOnly, safeAttachTxs(safe, addresses).map((t) => ({ ...t, to: t.to as Hex, data: t.data as Hex | undefined })));

  const out = values.out ?? path.join(path.dirname(values.deployment), `${deployment.network ?? chainId}-${safe.slice(0, 10)}.guardrails.json`);
  const builderJson = {
    version: "1.0",
    chainId: String(chainId),
    createdAt: Date.now(),
    meta: { name: "Attach treasury guardrails", description: `enableModule(${addresses.module}), setFallbackHandler(${addresses.fallbackHandler}) then setGuard(${addresses.guard})` },
    transactions: safeAttachTxs(safe, addresses).map((t) => ({ to: t.to, value: "0", data: t.data })),
  };
  fs.writeFileSync(out, JSON.stringify({ chainId, safe, guardrails: addresses, safeTransaction: { ...attach, value: "0" }, transactionBuilder: builderJson }, null, 2) + "\n");
  console.log("Deployed:", addresses);
  console.log(`\nThe owners must now sign ONE Safe transaction (${threshold} of ${owners.length}):`);
  console.log(`  to        ${attach.to}   (MultiSendCallOnly, operation DELEGATECALL = 1)`);
  console.log(`  value     0`);
  console.log(`  data      ${attach.data}`);
  console.log(`It enables the module ${addresses.module} and sets the guard ${addresses.guard}.`);
  console.log(`Transaction Builder JSON and addresses written to ${out} (import it in the Safe web app).`);
}

main().catch((err) => {
  console.error(`deploy:guardrails failed: ${(err as Error).message}`);
  process.exit(1);
});
