// deployments/<network>.json: one zod schema for every chain's addresses (local worlds written by
// `npm start`, mainnet kept by hand). Keys: deployments/README.md. Extra keys (notes, sources,
// examples) are kept as they are; addresses come back checksummed.
// (indexer/ keeps its own copy of this shape for now: it is an ESM Ponder app.)
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { getAddress, isAddress, type Address } from "viem";

export const DEPLOYMENT_FORMAT_VERSION = 1;

const address = z
  .string()
  .refine((a) => isAddress(a, { strict: false }), "not a 20-byte hex address")
  .transform((a) => getAddress(a) as Address);
const byKey = z.record(z.string(), address);
const pool = z.looseObject({ address, fee: z.number().int().positive(), token0: address, token1: address });
const pendleMarket = z.looseObject({ market: address, sy: address, pt: address, yt: address, expiry: z.number().int().positive(), underlying: z.string() });

export const SafeInfraSchema = z.looseObject({
  singletonFactory: address,
  safeL2: address,
  safe: address,
  safeProxyFactory: address,
  multiSend: address,
  multiSendCallOnly: address,
  fallbackHandler: address,
  signMessageLib: address,
  createCall: address,
  simulateTxAccessor: address,
});

export const DeploymentSchema = z.looseObject({
  version: z.literal(DEPLOYMENT_FORMAT_VERSION),
  network: z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ or - (it names the file)"),
  chainId: z.number().int().positive(),
  /** First block to scan for the deployment's events; null if unknown. */
  block: z.number().int().nonnegative().nullable(),
  safe: SafeInfraSchema,
  /** The treasury Safe; null until one exists on that chain. */
  treasury: z.looseObject({ safe: address, owners: z.array(address).min(1), threshold: z.number().int().positive() }).nullable(),
  accounts: z.looseObject({ deployer: address.optional(), agent: address.optional(), borrower: address.optional(), outsider: address.optional() }),
  tokens: byKey,
  feeds: byKey,
  aave: z.looseObject({
    poolAddressesProvider: address,
    pool: address,
    poolConfigurator: address.optional(),
    aclManager: address.optional(),
    oracle: address,
    dataProvider: address,
    aTokens: byKey,
    variableDebtTokens: byKey,
  }),
  uniswap: z.looseObject({
    factory: address,
    /** Uniswap v3 SwapRouter (v1 interface: structs carry `deadline`). */
    swapRouter: address,
    quoterV2: address,
    positionManager: address,
    /** Keyed BASE_QUOTE, e.g. WETH_USDC; token0 < token1 as in the pool. */
    pools: z.record(z.string(), pool),
  }),
  /** ERC-4626 vaults by share symbol. */
  erc4626: byKey,
  pendle: z.looseObject({
    router: address,
    yieldContractFactory: address.optional(),
    marketFactory: address.optional(),
    oracle: address.optional(),
    /** Markets keyed by the SY's underlying (local: scrvUSD). */
    markets: z.record(z.string(), pendleMarket),
  }),
  /** CoW Protocol (GPv2Settlement and the relayer its orders' sell tokens are approved to); absent where it is not deployed. */
  cow: z.looseObject({ settlement: address, vaultRelayer: address, authenticator: address.optional() }).optional(),
  /** Filled by the guardrails deployment step; null where none is deployed. */
  guardrails: byKey.nullable(),
  /** Local chains only: where the node answers. */
  rpcUrl: z.string().url().optional(),
});

export type Deployment = z.infer<typeof DeploymentSchema>;
/** What a writer passes in (plain strings for addresses). */
export type DeploymentInput = z.input<typeof DeploymentSchema>;

/** Top-level keys every deployments file has (values may be null where the schema says so). */
export const DEPLOYMENT_KEYS = ["version", "network", "chainId", "block", "safe", "treasury", "accounts", "tokens", "feeds", "aave", "uniswap", "erc4626", "pendle", "guardrails"] as const;

/** Validate a deployments object; the error names each bad key path and what it should be. */
export function parseDeployment(json: unknown, source = "deployment"): Deployment {
  const r = DeploymentSchema.safeParse(json);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new Error(`${source}: invalid deployments file (${issues.join("; ")}). Regenerate it with \`npm start\` or fix the keys per deployments/README.md`);
}

export function readDeployment(file: string): Deployment {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: cannot read a deployments JSON file (${(err as Error).message})`, { cause: err });
  }
  return parseDeployment(json, file);
}

/** Write `deployments/<network>.json` (or into `dir`) atomically; returns the path. */
export function writeDeployment(json: DeploymentInput, dir = path.resolve(__dirname, "..", "..", "deployments")): string {
  const d = parseDeployment(json, `deployment ${String((json as { network?: unknown }).network)}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${d.network}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(json, null, 2) + "\n");
  fs.renameSync(tmp, file); // readers never see half a file
  return file;
}

export interface GuardrailAddresses {
  policy: Address;
  valuation: Address;
  guard: Address;
  module: Address;
  /** TreasuryPolicyLens: getConfig(policy), the policy's whole configuration in one call. */
  lens: Address;
  [name: string]: Address;
}

/** The guardrails' addresses, or an error saying how to get them. */
export function guardrailsOf(d: Deployment): GuardrailAddresses {
  const g = d.guardrails;
  const missing = ["policy", "valuation", "guard", "module", "lens"].filter((k) => !g?.[k]);
  if (!g || missing.length) throw new Error(`deployment ${d.network}: no guardrails (${missing.join(", ")} missing): deploy them with \`npm run deploy:guardrails\``);
  return g as GuardrailAddresses;
}
