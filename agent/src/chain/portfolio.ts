// Step 1 of the cycle: read the treasury in one multicall at one block (and the Aave reserves' parameters in a second) (viem's deployless multicall:
// no Multicall3 needs to exist on the chain). Every address comes from the deployments file; the
// policy's own configuration (read in the same call) is what the planner and checker trust.
import { getAddress, type Address, type ContractFunctionParameters, type ContractFunctionReturnType, type Hex, type PublicClient } from "viem";
import { aavePoolAbi, agentModuleAbi, aggregatorV3Abi, erc20Abi, safeAbi, treasuryPolicyLensAbi, treasuryValuationAbi, uniswapV3PoolAbi } from "../../../lib/chain/abi";
import { guardrailsOf, type Deployment } from "../../../lib/chain/deployments";
import { AssetClass, PositionKind } from "../../../lib/chain/policyTypes";
import { ruleKindOf } from "./ruleKinds";
import { type AssetHolding, type PolicyView, type Portfolio, type PositionHolding, type PositionKindName } from "./types";

/** PositionKind (lib/chain/policyTypes.ts) -> the agent's short names. */
export const KIND: Record<number, PositionKindName> = { [PositionKind.AaveAToken]: "aave", [PositionKind.ERC4626]: "erc4626", [PositionKind.PendlePT]: "pendlePt", [PositionKind.AaveVariableDebt]: "aaveDebt" };

/** Token symbols and spenders the deployments file knows (labels; the policy decides what counts). */
export function deploymentIndex(d: Deployment) {
  const symbols: Record<Address, string> = {};
  const feeds: Record<Address, Address> = {};
  for (const [s, a] of Object.entries(d.tokens)) {
    symbols[a] = s;
    if (d.feeds[s]) feeds[a] = d.feeds[s];
  }
  for (const [s, a] of Object.entries(d.aave.aTokens)) symbols[a] = `a${s}`;
  // Debt tokens: their balances are what the Safe owes (liability positions when registered).
  const debtTokens = new Set<Address>();
  for (const [s, a] of Object.entries(d.aave.variableDebtTokens ?? {})) {
    symbols[a] = `variableDebt${s}`;
    debtTokens.add(a);
  }
  for (const [s, a] of Object.entries(d.erc4626)) symbols[a] = s;
  const pendleYts: Record<Address, Address> = {};
  for (const [k, m] of Object.entries(d.pendle.markets)) {
    symbols[m.pt] = `PT-${k}`;
    pendleYts[m.market] = m.yt;
  }
  const spenders = [d.aave.pool, d.uniswap.swapRouter, d.pendle.router, ...Object.values(d.erc4626)];
  return { symbols, feeds, spenders, pendleYts, debtTokens };
}

export async function readPortfolio(client: PublicClient, d: Deployment, opts: { blockNumber?: bigint } = {}): Promise<Portfolio> {
  const g = guardrailsOf(d);
  if (!d.treasury) throw new Error(`deployment ${d.network}: no treasury Safe (treasury is null)`);
  const safe = d.treasury.safe;
  const ix = deploymentIndex(d);
  const block = await client.getBlock(opts.blockNumber === undefined ? {} : { blockNumber: opts.blockNumber });
  const tokens = Object.keys(ix.symbols) as Address[];
  const feedTokens = Object.keys(ix.feeds) as Address[];

  const head: ContractFunctionParameters[] = [
    { address: g.lens, abi: treasuryPolicyLensAbi, functionName: "getConfig", args: [g.policy] },
    { address: g.valuation, abi: treasuryValuationAbi, functionName: "snapshot" },
    { address: g.valuation, abi: treasuryValuationAbi, functionName: "allocation" },
    { address: g.module, abi: agentModuleAbi, functionName: "usedLast24h" },
    { address: g.module, abi: agentModuleAbi, functionName: "lossLast24h" },
    { address: g.module, abi: agentModuleAbi, functionName: "remainingBudget" },
    { address: safe, abi: safeAbi, functionName: "getOwners" },
    { address: safe, abi: safeAbi, functionName: "getThreshold" },
    { address: safe, abi: safeAbi, functionName: "nonce" },
  ];
  const balances = tokens.map((t) => ({ address: t, abi: erc20Abi, functionName: "balanceOf", args: [safe] }) as const);
  const feeds = feedTokens.map((t) => ({ address: ix.feeds[t], abi: aggregatorV3Abi, functionName: "latestRoundData" }) as const);
  // Debt tokens have no allowances (Aave reverts allowance()): not read.
  const allowanceTokens = tokens.filter((t) => !ix.debtTokens.has(t));
  const allowances = allowanceTokens.flatMap((t) => ix.spenders.map((s) => ({ address: t, abi: erc20Abi, functionName: "allowance", args: [safe, s] }) as const));

  const pools = Object.values(d.uniswap.pools);
  const poolReads = pools.flatMap((pl) => [
    { address: pl.address, abi: uniswapV3PoolAbi, functionName: "slot0" } as const,
    { address: pl.address, abi: uniswapV3PoolAbi, functionName: "liquidity" } as const,
  ]);
  const reserveAssets = Object.keys(d.aave.aTokens).map((s) => d.tokens[s]).filter((t): t is Address => !!t);
  const reserveReads = reserveAssets.map((t) => ({ address: d.aave.pool, abi: aavePoolAbi, functionName: "getConfiguration", args: [t] }) as const);
  const contracts: ContractFunctionParameters[] = [...head, ...balances, ...feeds, ...allowances, ...poolReads];
  const res = await client.multicall({
    contracts,
    allowFailure: true,
    deployless: true,
    batchSize: 0, // one request, not 1 kB chunks
    blockNumber: block.number,
  });
  const must = <T>(i: number, what: string): T => {
    const r = res[i];
    if (r.status !== "success") throw new Error(`reading the portfolio: ${what} failed (${r.error?.message.split("\n")[0]})`);
    return r.result as T;
  };

  const cfg = must<ContractFunctionReturnType<typeof treasuryPolicyLensAbi, "view", "getConfig">>(0, "TreasuryPolicyLens.getConfig");
  const snap = must<{ healthy: boolean; nav: bigint; volatileValue: bigint; values: readonly bigint[]; protocolValues: readonly bigint[]; prices: readonly bigint[]; debt: bigint; healthFactor: bigint }>(1, "TreasuryValuation.snapshot");
  const alloc = res[2].status === "success" ? (res[2].result as readonly [bigint, readonly Hex[], readonly bigint[], readonly Address[], readonly bigint[]]) : null;
  const [usedUsd, lossUsd, remainingUsd] = [3, 4, 5].map((i) => must<bigint>(i, "AgentModule budget"));
  const owners = must<readonly Address[]>(6, "Safe.getOwners");
  const threshold = Number(must<bigint>(7, "Safe.getThreshold"));
  const nonce = must<bigint>(8, "Safe.nonce");

  let o = head.length;
  const balanceOf: Record<Address, bigint> = {};
  tokens.forEach((t, i) => (balanceOf[t] = res[o + i].status === "success" ? (res[o + i].result as bigint) : 0n));
  o += tokens.length;
  const rounds: Record<Address, { answer: bigint; updatedAt: bigint } | null> = {};
  feedTokens.forEach((t, i) => {
    const r = res[o + i];
    rounds[t] = r.status === "success" ? { answer: (r.result as readonly bigint[])[1], updatedAt: (r.result as readonly bigint[])[3] } : null;
  });
  o += feedTokens.length;
  const allow: Record<Address, Record<Address, bigint>> = {};
  allowanceTokens.forEach((t, i) => {
    allow[t] = {};
    ix.spenders.forEach((s, j) => {
      const r = res[o + i * ix.spenders.length + j];
      allow[t][s] = r.status === "success" ? (r.result as bigint) : 0n;
    });
  });

  o += allowanceTokens.length * ix.spenders.length;
  const poolStates = pools.map((pl, i) => ({
    address: pl.address, token0: pl.token0, token1: pl.token1, fee: pl.fee,
    sqrtPriceX96: must<readonly bigint[]>(o + 2 * i, `pool ${pl.address} slot0`)[0],
    liquidity: must<bigint>(o + 2 * i + 1, `pool ${pl.address} liquidity`),
  }));

  // A second call at the same block: the first one's creation code is near the 48 KB initcode limit
  // (EIP-3860) on a treasury with many tokens and spenders.
  const reserveRes = reserveReads.length ? await client.multicall({ contracts: reserveReads, allowFailure: true, deployless: true, batchSize: 0, blockNumber: block.number }) : [];
  const aaveReserves: Record<string, { ltvBps: number; liquidationThresholdBps: number }> = {};
  reserveAssets.forEach((t, i) => {
    const r = reserveRes[i];
    if (r.status !== "success") return;
    const data = (r.result as { data: bigint }).data;
    aaveReserves[t.toLowerCase()] = { ltvBps: Number(data & 0xffffn), liquidationThresholdBps: Number((data >> 16n) & 0xffffn) };
  });

  const policy: PolicyView = {
    address: g.policy,
    valuation: g.valuation,
    module: g.module,
    guard: g.guard,
    safe: cfg.safe,
    multiSendCallOnly: cfg.multiSendCallOnly,
    paused: cfg.paused,
    configVersion: cfg.configVersion,
    caps: { ...cfg.caps },
    limits: { maxLossBps: cfg.limits.maxLossBps, autonomyLimitUsd: cfg.limits.autonomyLimitUsd, dailyBudgetUsd: cfg.limits.dailyBudgetUsd, minHealthFactor: cfg.limits.minHealthFactor },
    agents: [...cfg.agents],
    spenders: [...cfg.spenders],
    payees: [...cfg.payees],
    rules: cfg.rules.map((r) => ({ target: r.target, selector: r.selector, rule: r.rule, kind: ruleKindOf(r.ruleId, r.selector) })),
    assets: cfg.assets.map((a) => ({ token: a.token, feed: a.config.feed, maxStaleness: a.config.maxStaleness, decimals: a.config.decimals, feedDecimals: a.config.feedDecimals, volatile: a.config.assetClass === AssetClass.Volatile })),
    positions: cfg.positions.map((p) => ({ token: p.token, kind: KIND[p.config.kind], underlying: p.config.underlying, protocol: p.config.protocol, venue: p.config.venue, market: p.config.market, twapDuration: p.config.twapDuration, adapter: p.config.adapter })),
    protocols: [...snapProtocols(cfg)],
    pendleYts: ix.pendleYts,
  };

  const nA = policy.assets.length;
  const assets: AssetHolding[] = policy.assets.map((a, i) => {
    if (ix.feeds[a.token] && getAddress(ix.feeds[a.token]) !== getAddress(a.feed)) {
      throw new Error(`deployment ${d.network}: the policy prices ${ix.symbols[a.token] ?? a.token} with feed ${a.feed}, the deployments file lists ${ix.feeds[a.token]}: fix the file`);
    }
    const r = rounds[a.token];
    const fresh = !!r && r.answer > 0n && r.updatedAt !== 0n && r.updatedAt <= block.timestamp && block.timestamp - r.updatedAt <= BigInt(a.maxStaleness);
    const priceUsd = fresh ? r!.answer * 10n ** BigInt(18 - a.feedDecimals) : 0n;
    return { token: a.token, symbol: ix.symbols[a.token] ?? a.token, decimals: a.decimals, volatile: a.volatile, balance: balanceOf[a.token] ?? 0n, priceUsd, priceOk: fresh, valueUsd: snap.values[i] ?? 0n };
  });
  const positions: PositionHolding[] = policy.positions.map((p, j) => ({
    token: p.token, symbol: ix.symbols[p.token] ?? p.token, kind: p.kind, underlying: p.underlying, protocol: p.protocol, balance: balanceOf[p.token] ?? 0n, valueUsd: snap.values[nA + j] ?? 0n,
  }));

  return {
    chainId: d.chainId,
    blockNumber: block.number,
    timestamp: block.timestamp,
    safe: { address: safe, owners: [...owners], threshold, nonce },
    policy,
    assets,
    positions,
    healthy: snap.healthy,
    navUsd: snap.nav,
    volatileUsd: snap.volatileValue,
    debtUsd: snap.debt,
    healthFactor: snap.healthFactor,
    values: [...snap.values],
    protocolValues: [...snap.protocolValues],
    snapshotPrices: [...snap.prices],
    allocation: alloc && {
      volatileBps: Number(alloc[0]),
      protocols: alloc[1].map((id, i) => ({ id, bps: Number(alloc[2][i]) })),
      holdings: alloc[3].map((token, i) => ({ token, bps: Number(alloc[4][i]) })),
    },
    budget: { usedUsd, lossUsd, remainingUsd },
    allowances: allow,
    pools: poolStates,
    aaveReserves,
  };
}

/** Protocol ids in the valuation's order: first appearance among the registered positions. */
function snapProtocols(cfg: { positions: readonly { config: { protocol: `0x${string}` } }[] }): `0x${string}`[] {
  const out: `0x${string}`[] = [];
  for (const p of cfg.positions) if (!out.includes(p.config.protocol)) out.push(p.config.protocol);
  return out;
}
