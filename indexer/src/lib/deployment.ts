// Which chain and which addresses the indexer follows: deployments/<network>.json (NETWORK, default
// "local"; or DEPLOYMENTS_FILE), validated, plus the RPC URL and a probe of it. Every failure is an
// Error whose message names what is wrong and how to fix it: Ponder prints it and exits.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const DEPLOYMENTS_DIR = path.join(REPO_ROOT, "deployments");

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address");
const addressMap = z.record(z.string(), address);

const Deployment = z.object({
  version: z.literal(1),
  network: z.string().min(1),
  chainId: z.number().int().positive(),
  block: z.number().int().nonnegative({ message: "expected the first block to index" }),
  treasury: z.object({ safe: address, owners: z.array(address), threshold: z.number().int() }),
  tokens: addressMap,
  aave: z.object({ pool: address, aTokens: addressMap }).passthrough(),
  uniswap: z.object({ swapRouter: address, pools: z.record(z.string(), z.object({ address })) }).passthrough(),
  erc4626: addressMap,
  pendle: z.object({ router: address, markets: z.record(z.string(), z.object({ market: address, sy: address, pt: address, yt: address })) }).passthrough(),
  guardrails: z.object({ policy: address, valuation: address, guard: address, module: address }).passthrough(),
  /** CoW Protocol: a fill moves tokens between the Safe and the settlement (internal, like a swap). */
  cow: z.object({ settlement: address, vaultRelayer: address }).passthrough().optional(),
  rpcUrl: z.string().url().optional(),
});
export type Deployment = z.infer<typeof Deployment>;

export interface ResolvedDeployment {
  file: string;
  deployment: Deployment;
  rpcUrl: string;
}

function knownNetworks(): string[] {
  if (!fs.existsSync(DEPLOYMENTS_DIR)) return [];
  return fs.readdirSync(DEPLOYMENTS_DIR).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5));
}

/** Read and validate the deployments file named by the environment. Throws a clear Error. */
export function readDeploymentFile(env: NodeJS.ProcessEnv = process.env): { file: string; deployment: Deployment } {
  const network = env.NETWORK ?? "local";
  if (!env.DEPLOYMENTS_FILE && !/^[A-Za-z0-9_-]+$/.test(network)) {
    throw new Error(`NETWORK=${network} is not a network name (letters, digits, - and _ only).`);
  }
  const file = path.resolve(env.DEPLOYMENTS_FILE ?? path.join(DEPLOYMENTS_DIR, `${network}.json`));
  if (!fs.existsSync(file)) {
    const known = knownNetworks();
    throw new Error(
      env.DEPLOYMENTS_FILE
        ? `DEPLOYMENTS_FILE=${file} does not exist: point it at a deployments JSON file.`
        : network === "local"
          ? `${file} is missing: start the local chain first (\`npm start\` writes it), or set NETWORK to one of: ${known.join(", ") || "(none)"}.`
          : `Unknown chain "${network}": ${file} does not exist. Known networks: ${known.join(", ") || "(none)"}; or set DEPLOYMENTS_FILE.`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}): regenerate it (\`npm start\` for the local chain).`, { cause: err });
  }
  const parsed = Deployment.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    const noGuardrails = (raw as { guardrails?: unknown })?.guardrails === null;
    throw new Error(
      noGuardrails
        ? `${file} has no guardrails (guardrails: null): the indexer follows TreasuryPolicy/Guard/Module/Valuation; deploy them first (npm run deploy:guardrails).`
        : `${file} is malformed: ${issues}. Regenerate it (\`npm start\` for the local chain) or fix those keys (format: deployments/README.md).`,
    );
  }
  return { file, deployment: parsed.data };
}

/**
 * Every treasury the indexer follows: INDEXER_DEPLOYMENTS (a comma-separated list of deployments
 * files, one per Safe, all of one chain), else the one file of readDeploymentFile (a list of one).
 * Each file brings its own Safe and guardrails; the chain's addresses (tokens, protocols) may be shared.
 */
export function readDeploymentFiles(env: NodeJS.ProcessEnv = process.env): { file: string; deployment: Deployment }[] {
  const list = env.INDEXER_DEPLOYMENTS?.split(",").map((f) => f.trim()).filter((f) => f !== "");
  if (!list || list.length === 0) return [readDeploymentFile(env)];
  const out = list.map((f) => readDeploymentFile({ ...env, DEPLOYMENTS_FILE: f }));
  const [first] = out;
  for (const o of out) {
    if (o.deployment.chainId !== first.deployment.chainId) {
      throw new Error(`INDEXER_DEPLOYMENTS mixes chains: ${first.file} is chain ${first.deployment.chainId}, ${o.file} is chain ${o.deployment.chainId}: one indexer follows one chain; run one per chain.`);
    }
  }
  const seen = new Map<string, string>();
  for (const o of out) {
    const g = o.deployment.guardrails;
    for (const [what, a] of [["Safe", o.deployment.treasury.safe], ["policy", g.policy], ["guard", g.guard], ["module", g.module], ["valuation", g.valuation]] as const) {
      const key = a.toLowerCase();
      const other = seen.get(key);
      if (other) throw new Error(`INDEXER_DEPLOYMENTS: the ${what} ${a} of ${o.file} is also in ${other}: each file must be a treasury of its own (its own Safe and guardrails); remove the duplicate.`);
      seen.set(key, o.file);
    }
  }
  return out;
}

/** RPC URL: PONDER_RPC_URL_<chainId>, else RPC_URL, else the file's rpcUrl (local chains). */
export function rpcUrlFor(deployment: Deployment, file: string, env: NodeJS.ProcessEnv = process.env): string {
  const url = env[`PONDER_RPC_URL_${deployment.chainId}`] ?? env.RPC_URL ?? deployment.rpcUrl;
  if (!url) throw new Error(`No RPC URL for chain ${deployment.chainId} (${file} has no rpcUrl): set PONDER_RPC_URL_${deployment.chainId}.`);
  return url;
}

type RpcResult = { result?: unknown; error?: { message: string } };

export async function rpc(url: string, method: string, params: unknown[] = [], timeoutMs = 5_000): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as RpcResult;
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/**
 * The chain answers, is the file's chain, and holds the treasury. Returns the hash of block
 * `deployment.block` (it identifies this chain instance: a restarted local chain has another one).
 */
export async function probeChain(deployment: Deployment, file: string, url: string): Promise<{ startBlockHash: string; head: number }> {
  let chainId: number;
  try {
    chainId = Number(await rpc(url, "eth_chainId"));
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    throw new Error(
      `The RPC at ${url} is unreachable (${cause}): start the chain (\`npm start\` for the local one) or set PONDER_RPC_URL_${deployment.chainId} to a node of chain ${deployment.chainId}.`,
      { cause: err },
    );
  }
  if (chainId !== deployment.chainId) {
    throw new Error(`The RPC at ${url} serves chain ${chainId} but ${file} is for chain ${deployment.chainId}: point PONDER_RPC_URL_${deployment.chainId} at the right node.`);
  }
  const head = Number(await rpc(url, "eth_blockNumber"));
  const code = (await rpc(url, "eth_getCode", [deployment.treasury.safe, "latest"])) as string;
  const valuationCode = (await rpc(url, "eth_getCode", [deployment.guardrails.valuation, "latest"])) as string;
  if (code === "0x" || valuationCode === "0x") {
    throw new Error(
      `${file} does not match the chain at ${url}: no contract at the treasury ${deployment.treasury.safe} or the valuation ${deployment.guardrails.valuation}. The chain was restarted or the file is stale: restart with \`npm start\` (it rewrites the file).`,
    );
  }
  const block = (await rpc(url, "eth_getBlockByNumber", [`0x${deployment.block.toString(16)}`, false])) as { hash: string } | null;
  if (!block) throw new Error(`${file}: block ${deployment.block} is beyond the chain head ${head} at ${url}: the file is stale; restart with \`npm start\`.`);
  return { startBlockHash: block.hash, head };
}

/** First block at which `address` has code (binary search over eth_getCode), within [from, to]. */
export async function firstBlockWithCode(url: string, address: string, from: number, to: number): Promise<number> {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const code = (await rpc(url, "eth_getCode", [address, `0x${mid.toString(16)}`])) as string;
    if (code !== "0x") hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** An integer setting from the environment (`fallback` when unset): positive, or also 0 when `zeroOk`. */
export function envInt(name: string, fallback: number, zeroOk = false, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < (zeroOk ? 0 : 1)) {
    throw new Error(`${name}=${raw} is not a ${zeroOk ? "non-negative" : "positive"} integer: set it to a whole number${zeroOk ? " (0 turns it off)" : ""} or unset it (default ${fallback}).`);
  }
  return n;
}
