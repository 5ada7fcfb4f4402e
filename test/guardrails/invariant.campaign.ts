// The invariant campaign: seeded random sequences of agent actions on the guarded world, allowed and
// forbidden mixed, with price moves and time jumps in between. Run by invariant.test.ts inside `npm
// test` (a few sequences) and by `npm run fuzz -- --sequences N` (scripts/fuzz.ts, writes
// bench/fuzz.json). After EVERY step the invariants below are checked:
//  (a) value never leaves the Safe's custody: the outsider/attacker/payee/agent balances of every
//      treasury token never increase; every token transfer of an accepted agent batch lands in
//      {Safe, Aave, vaults, Pendle, Uniswap}; every approval the Safe gives goes to an allowlisted
//      spender; a refused action moves nothing at all (Safe holdings identical);
//  (b) at constant prices an accepted agent batch never loses more than maxLossBps of NAV (NAV
//      computed here, independently of TreasuryValuation, and cross-checked against nav());
//  (c) every refused action reverts with one of the custom errors expected for it (never a panic,
//      an empty revert or a string), and every forbidden action is refused;
//  (d) the agent's limits hold: batch size <= autonomy limit, usedLast24h <= daily budget, the
//      reported size equals the GROSS turnover measured here (a round trip counts both legs; never
//      less than the net change); exits back into the Safe are never refused by size and use no
//      budget; the agent's losses in the rolling window stay within LOSS_BUDGET_MULTIPLE x maxLossBps
//      of NAV; a CoW pre-signed sell order (moves nothing now, sells later outside the module)
//      counts its sell amount at oracle prices; the guardrail configuration never changes;
//  (e) leverage: half the sequences start with Aave debt (USDC borrowed against WETH, opened before
//      the guard, as a treasury that was levered up earlier); NAV counts it negatively; after every
//      accepted batch the Safe's health factor is at or above the floor, or did not fall; the agent
//      may repay (always allowed) and collateral withdrawals below the floor are refused.
// Deterministic: one seed per sequence (scripts/rng.ts, mulberry32).
import { expect } from "chai";
import hre from "hardhat";
import { AbiCoder, Contract, ErrorDescription, Interface, MaxUint256, TransactionReceipt, ZeroAddress, concat, getAddress, id } from "ethers";
import { GuardedWorld, trackedTokens } from "../helpers/guarded";
import { IFACE } from "../helpers/interfaces";
import {
  ABI,
  APPROX_DEFAULT,
  EMPTY_LIMIT,
  FAR_DEADLINE,
  TOKEN_SYMBOLS,
  TokenSymbol,
  VaultKey,
  advanceTime,
  arbitragePool,
  pendleTokenInput,
  pendleTokenOutput,
  setPrice,
} from "../../scripts/world";
import * as lib from "../../lib/chain/encode";
import { cowPresign, cowSellOrder } from "../../lib/chain/cow";
import type { Address, Hex } from "viem";
import { seeded } from "../../scripts/rng";

const HOUR = 3600;

// ------------------------------------------------------------------ PRNG
class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seeded(seed).next;
  }
  float(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  weighted<T>(items: readonly [T, number][]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [x, w] of items) {
      if ((r -= w) < 0) return x;
    }
    return items[items.length - 1][0];
  }
}

// ------------------------------------------------------------------ encoding
const { erc20: ERC20, aavePool: AAVE, erc4626: VAULT, swapRouter: ROUTER, pendleRouter: PENDLE, safe: SAFE, weth9: WETH9 } = IFACE;
const TRANSFER_TOPIC = ERC20.getEvent("Transfer")!.topicHash;
const APPROVAL_TOPIC = ERC20.getEvent("Approval")!.topicHash;
const CODER = AbiCoder.defaultAbiCoder();
const sel = (sig: string) => id(sig).slice(0, 10);
const SEL = {
  balanceOf: sel("balanceOf(address)"),
  scaledBalanceOf: sel("scaledBalanceOf(address)"),
  latestRoundData: sel("latestRoundData()"),
  convertToAssets: sel("convertToAssets(uint256)"),
  getPtToAssetRate: sel("getPtToAssetRate(address,uint32)"),
  nav: sel("nav()"),
  usedLast24h: sel("usedLast24h()"),
  lossLast24h: sel("lossLast24h()"),
  getUserAccountData: sel("getUserAccountData(address)"),
};

/** Test-only batch reader (contracts/test/StaticBatchReader.sol), installed at a fixed address. */
const READER = "0x00000000000000000000000000000000000Ba1a0";
interface Query {
  key: string;
  target: string;
  sel: string;
  a0?: string | bigint;
  a1?: bigint;
  word?: number;
}

interface Call {
  to: string;
  value: bigint;
  data: string;
}
const call = (to: string, data: string, value = 0n): Call => ({ to, value, data });
const usd = (x: number): bigint => BigInt(Math.round(x * 100)) * 10n ** 16n;
const VAULT_ASSET: Record<VaultKey, TokenSymbol> = { scrvUSD: "USDC", sDAI: "DAI" };
const LIMIT_ERRORS = [
  "AutonomyLimitExceeded", "DailyBudgetExceeded", "DailyLossBudgetExceeded", "VolatileCapExceeded", "ProtocolCapExceeded", "PositionCapExceeded", "NavLoss",
  "HealthFactorBelowFloor",
];

/** What the Safe holds and what it is worth, read from chain (NAV computed here, not by the valuation). */
interface State {
  spot: Record<TokenSymbol, bigint>;
  aToken: Record<TokenSymbol, bigint>;
  aScaled: Record<TokenSymbol, bigint>;
  shares: Record<VaultKey, bigint>;
  vaultAssets: Record<VaultKey, bigint>;
  pt: bigint;
  ptAssets: bigint;
  /** USD per whole token, 18 decimals, from the feeds. */
  price: Record<TokenSymbol, bigint>;
  /** USD value (18 dec) per holding; keys like "USDC", "aUSDC", "scrvUSD", "PT". */
  values: Record<string, bigint>;
  /** Aave variable debt of the Safe in USDC (registered liability), its USD value, and Aave's health factor. */
  debtUsdc: bigint;
  debt: bigint;
  hf: bigint;
  nav: bigint;
  /** TreasuryValuation.nav() in the same state (max uint if it reverted). */
  valuationNav: bigint;
  ptValue: bigint;
  /** Balances of the accounts that must never receive anything, per token. */
  outside: Record<string, bigint>;
  used: bigint;
  /** AgentModule.lossLast24h(). */
  lost: bigint;
}

interface Action {
  kind: string;
  /** Forbidden actions must be refused; allowed ones may still hit a limit. */
  forbidden: boolean;
  /** Custom errors acceptable if refused. */
  expected: string[];
  calls: Call[];
  /** Only exits back into the Safe (and approvals): never refused by size, no budget used. */
  exit?: boolean;
  /** Gross USD the module must report, at the prices of the state before (default: the net turnover). */
  gross?: (s: State) => bigint;
  pre?: () => Promise<void>;
  post?: () => Promise<void>;
}

export interface Stats {
  sequences: number;
  steps: number;
  agentActions: number;
  accepted: number;
  refused: number;
  forbiddenRefused: number;
  allowedAccepted: number;
  allowedRefused: number;
  worldSteps: number;
  byKind: Record<string, { accepted: number; refused: number }>;
  byError: Record<string, number>;
  navChecks: number;
  maxLossBpsSeen: number;
  grossChecks: number;
  roundTripsAccepted: number;
  exitsAboveAutonomy: number;
  maxLossBudgetUsedBps: number;
  /** Sequences that started levered, accepted batches checked against the health factor floor, lowest HF seen. */
  leveredSequences: number;
  healthChecks: number;
  minHealthFactorSeen: number;
}

export function newStats(): Stats {
  return {
    sequences: 0, steps: 0, agentActions: 0, accepted: 0, refused: 0, forbiddenRefused: 0, allowedAccepted: 0, allowedRefused: 0,
    worldSteps: 0, byKind: {}, byError: {}, navChecks: 0, maxLossBpsSeen: 0, grossChecks: 0, roundTripsAccepted: 0,
    exitsAboveAutonomy: 0, maxLossBudgetUsedBps: 0, leveredSequences: 0, healthChecks: 0, minHealthFactorSeen: 0,
  };
}

/** Kinds that must each be seen refused (forbidden) or accepted (allowed) over a campaign. */
export const FORBIDDEN_KINDS = [
  "transferOut", "approveOutsider", "receiverOutsider", "oversized", "manipulatedZeroMin", "protectedTarget", "unlistedFunction", "unregisteredToken", "mixedBatch",
  "cowOrderBelowOracle", "cowOrderOutsider",
];
export const ALLOWED_KINDS = ["aaveSupply", "aaveWithdraw", "vaultDeposit", "vaultRedeem", "swapMin", "swapZeroMin", "pendleBuy", "roundTrip", "repay", "cowOrder"];

export function summary(stats: Stats, steps: number, secs: string): string[] {
  return [
    `invariant run: ${stats.sequences} sequences x ${steps} steps = ${stats.steps} steps in ${secs} s; ` +
      `${stats.agentActions} agent actions: ${stats.accepted} accepted, ${stats.refused} refused ` +
      `(forbidden refused ${stats.forbiddenRefused}; allowed accepted ${stats.allowedAccepted}, allowed refused by limits ${stats.allowedRefused}); ` +
      `${stats.worldSteps} world steps (price moves, time jumps); ${stats.navChecks} NAV-loss checks, worst loss ${stats.maxLossBpsSeen.toFixed(2)} bps; ` +
      `${stats.grossChecks} gross-size checks (${stats.roundTripsAccepted} round trips), ${stats.exitsAboveAutonomy} exits above the autonomy limit, ` +
      `loss budget used at most ${stats.maxLossBudgetUsedBps.toFixed(0)} bps of it; ${stats.leveredSequences} levered sequences, ` +
      `${stats.healthChecks} health-factor checks, lowest health factor ${stats.minHealthFactorSeen.toFixed(3)}`,
    `by kind: ${Object.entries(stats.byKind).map(([k, v]) => `${k} ${v.accepted}/${v.refused}`).join(", ")} (accepted/refused)`,
    `refusals by error: ${Object.entries(stats.byError).map(([k, v]) => `${k} ${v}`).join(", ")}`,
  ];
}

// ------------------------------------------------------------------ the sequence
/** Runs `steps` random steps from seed `seed` on a fresh guarded world, checking every invariant. */
export async function runSequence(g: GuardedWorld, seed: number, stats: Stats, STEPS: number): Promise<void> {
  const w = g.world;
  const rng = new Rng(seed);
  const safe = w.treasury.safe;
  const signers = await hre.ethers.getSigners();
  const attacker = signers[9];
  const payee = await g.payee.getAddress();
  const thieves: Record<string, string> = {
    outsider: w.accounts.outsider,
    attacker: await attacker.getAddress(),
    payee,
    agent: w.accounts.agent,
  };
  const cfg = await g.lens.getConfig(g.addresses.policy);
  const spenders = new Set(cfg.spenders.map((a) => getAddress(a)));
  const { maxLossBps, autonomyLimitUsd, dailyBudgetUsd } = cfg.limits;
  const version0 = cfg.configVersion;
  const [pendleTreasury] = await new Contract(w.pendle.marketFactory, ["function getMarketConfig(address,address) view returns (address,uint80,uint8)"], w.provider).getMarketConfig(w.pendle.market, w.pendle.router);
  const custody = new Set(
    [
      safe, ZeroAddress, w.aave.pool, ...Object.values(w.aave.aTokens), ...Object.values(w.erc4626),
      w.pendle.router, w.pendle.sy, w.pendle.pt, w.pendle.yt, w.pendle.market,
      w.uniswap.swapRouter, ...Object.values(w.uniswap.pools).map((p) => p.address),
    ].map((a) => getAddress(a)),
  );
  // Every token that is (part of) treasury value.
  const treasuryTokens = trackedTokens(g);
  const watched = new Set(Object.values(treasuryTokens).map((a) => getAddress(a)));
  const twap = g.settings.pendleTwapSeconds;
  const errIfaces = [g.module.interface, g.policy.interface, g.valuation.interface] as unknown as Interface[];

  // Every read of a step goes through one eth_call to the batch reader.
  await w.rpc("hardhat_setCode", [READER, (await hre.artifacts.readArtifact("StaticBatchReader")).deployedBytecode]);
  const base: Query[] = [];
  for (const sym of TOKEN_SYMBOLS) {
    base.push({ key: `price.${sym}`, target: w.feeds[sym], sel: SEL.latestRoundData, word: 1 });
    base.push({ key: `spot.${sym}`, target: w.tokens[sym], sel: SEL.balanceOf, a0: safe });
    base.push({ key: `aToken.${sym}`, target: w.aave.aTokens[sym], sel: SEL.balanceOf, a0: safe });
    base.push({ key: `aScaled.${sym}`, target: w.aave.aTokens[sym], sel: SEL.scaledBalanceOf, a0: safe });
  }
  for (const k of ["scrvUSD", "sDAI"] as VaultKey[]) base.push({ key: `shares.${k}`, target: w.erc4626[k], sel: SEL.balanceOf, a0: safe });
  base.push({ key: "pt", target: w.pendle.pt, sel: SEL.balanceOf, a0: safe });
  base.push({ key: "ptRate", target: g.addresses.pendleOracle, sel: SEL.getPtToAssetRate, a0: w.pendle.market, a1: BigInt(twap) });
  base.push({ key: "valuationNav", target: g.addresses.valuation, sel: SEL.nav });
  const debtToken = w.aave.variableDebtTokens.USDC;
  base.push({ key: "debtUsdc", target: debtToken, sel: SEL.balanceOf, a0: safe });
  base.push({ key: "hf", target: w.aave.pool, sel: SEL.getUserAccountData, a0: safe, word: 5 });
  base.push({ key: "used", target: g.addresses.module, sel: SEL.usedLast24h });
  base.push({ key: "lost", target: g.addresses.module, sel: SEL.lossLast24h });
  for (const [who, addr] of Object.entries(thieves)) {
    for (const [sym, token] of Object.entries(treasuryTokens)) base.push({ key: `outside.${who}.${sym}`, target: token, sel: SEL.balanceOf, a0: addr });
  }
  const batchRead = async (qs: Query[]): Promise<Record<string, bigint>> => {
    const data = concat(qs.map((q) => CODER.encode(["address", "bytes32", "uint256", "uint256", "uint256"], [q.target, q.sel.padEnd(66, "0"), q.a0 ?? 0n, q.a1 ?? 0n, q.word ?? 0])));
    const ret: string = await w.rpc("eth_call", [{ to: READER, data }, "latest"]);
    const out: Record<string, bigint> = {};
    qs.forEach((q, i) => (out[q.key] = BigInt("0x" + ret.slice(2 + 64 * i, 66 + 64 * i))));
    return out;
  };
  async function readState(): Promise<State> {
    const r = await batchRead(base);
    const s = { spot: {}, aToken: {}, aScaled: {}, shares: {}, vaultAssets: {}, price: {}, values: {}, outside: {} } as State;
    for (const sym of TOKEN_SYMBOLS) {
      s.price[sym] = r[`price.${sym}`] * 10n ** 10n;
      s.spot[sym] = r[`spot.${sym}`];
      s.aToken[sym] = r[`aToken.${sym}`];
      s.aScaled[sym] = r[`aScaled.${sym}`];
      s.values[sym] = valueOf(s, sym, s.spot[sym]);
      s.values[`a${sym}`] = valueOf(s, sym, s.aToken[sym]);
    }
    const vaults = ["scrvUSD", "sDAI"] as VaultKey[];
    for (const k of vaults) s.shares[k] = r[`shares.${k}`];
    const conv = await batchRead(vaults.map((k) => ({ key: k, target: w.erc4626[k], sel: SEL.convertToAssets, a0: s.shares[k] })));
    for (const k of vaults) {
      s.vaultAssets[k] = s.shares[k] === 0n ? 0n : conv[k];
      s.values[k] = valueOf(s, VAULT_ASSET[k], s.vaultAssets[k]);
    }
    s.pt = r.pt;
    s.ptAssets = s.pt === 0n ? 0n : (s.pt * r.ptRate) / 10n ** 18n;
    s.values.PT = valueOf(s, "USDC", s.ptAssets);
    s.ptValue = s.values.PT;
    s.debtUsdc = r.debtUsdc;
    s.debt = valueOf(s, "USDC", s.debtUsdc);
    s.hf = r.hf;
    const held = Object.values(s.values).reduce((a, b) => a + b, 0n);
    s.nav = held > s.debt ? held - s.debt : 0n;
    s.valuationNav = r.valuationNav;
    for (const k of Object.keys(r)) if (k.startsWith("outside.")) s.outside[k.slice(8)] = r[k];
    s.used = r.used;
    s.lost = r.lost;
    return s;
  }
  const valueOf = (s: Pick<State, "price">, sym: TokenSymbol, amount: bigint) => (amount * s.price[sym]) / 10n ** BigInt(w.decimals[sym]);
  const unitsFor = (s: State, sym: TokenSymbol, usd18: bigint) => (usd18 * 10n ** BigInt(w.decimals[sym])) / s.price[sym];
  /** A random USD amount between lo and hi fractions of `availableUsd`, capped at `capUsd`. */
  const sizeUsd = (availableUsd: bigint, lo: number, hi: number, capUsd = usd(45_000)): bigint => {
    const x = (availableUsd * BigInt(Math.floor(rng.float(lo, hi) * 1e6))) / 1_000_000n;
    return x > capUsd ? capUsd : x;
  };

  // ------------------------------------------------------------ call builders
  const approve = (token: string, spender: string, amount: bigint): Call => lib.approve(token as Hex, spender as Hex, amount);
  const supply = (sym: TokenSymbol, amount: bigint, onBehalfOf = safe): Call[] => [
    approve(w.tokens[sym], w.aave.pool, amount),
    lib.aaveSupply(w.aave.pool as Hex, w.tokens[sym] as Hex, amount, onBehalfOf as Hex),
  ];
  const withdraw = (sym: TokenSymbol, amount: bigint, to = safe): Call => lib.aaveWithdraw(w.aave.pool as Hex, w.tokens[sym] as Hex, amount, to as Hex);
  const deposit = (k: VaultKey, amount: bigint, receiver = safe): Call[] => [
    approve(w.tokens[VAULT_ASSET[k]], w.erc4626[k], amount),
    lib.vaultDeposit(w.erc4626[k] as Hex, amount, receiver as Hex),
  ];
  const redeem = (k: VaultKey, shares: bigint, receiver = safe, owner = safe) => call(w.erc4626[k], VAULT.encodeFunctionData("redeem", [shares, receiver, owner]));
  const poolOf = (a: TokenSymbol, b: TokenSymbol) => w.uniswap.pools[a === "WBTC" || b === "WBTC" ? "WBTC_USDC" : "WETH_USDC"];
  const swap = (tIn: TokenSymbol, tOut: TokenSymbol, amountIn: bigint, minOut: bigint, recipient = safe): Call[] => [
    approve(w.tokens[tIn], w.uniswap.swapRouter, amountIn),
    call(w.uniswap.swapRouter, ROUTER.encodeFunctionData("exactInputSingle", [{
      tokenIn: w.tokens[tIn], tokenOut: w.tokens[tOut], fee: poolOf(tIn, tOut).fee, recipient, deadline: FAR_DEADLINE,
      amountIn, amountOutMinimum: minOut, sqrtPriceLimitX96: 0n,
    }])),
  ];
  const ptBuy = (usdcIn: bigint, receiver = safe): Call[] => [
    approve(w.tokens.USDC, w.pendle.router, usdcIn),
    call(w.pendle.router, PENDLE.encodeFunctionData("swapExactTokenForPt", [receiver, w.pendle.market, 0n, APPROX_DEFAULT, pendleTokenInput(w.tokens.USDC, usdcIn), EMPTY_LIMIT])),
  ];
  const ptSell = (ptIn: bigint, receiver = safe): Call[] => [
    approve(w.pendle.pt, w.pendle.router, ptIn),
    call(w.pendle.router, PENDLE.encodeFunctionData("swapExactPtForToken", [receiver, w.pendle.market, ptIn, pendleTokenOutput(w.tokens.USDC, 0n), EMPTY_LIMIT])),
  ];
  /** Expected output of a swap at the feed prices. */
  const fairOut = (s: State, tIn: TokenSymbol, tOut: TokenSymbol, amountIn: bigint) => unitsFor(s, tOut, valueOf(s, tIn, amountIn));
  const PAIRS: [TokenSymbol, TokenSymbol][] = [["WETH", "USDC"], ["USDC", "WETH"], ["WBTC", "USDC"], ["USDC", "WBTC"]];
  /** Block time of the latest block, refreshed before each agent action (CoW orders expire relative to it). */
  let chainNow = 0;
  /** [exact approval to CoW's vault relayer, pre-signature of a sell order with `buyAmount` as its limit]. */
  const cowSell = (tIn: TokenSymbol, tOut: TokenSymbol, sellAmount: bigint, buyAmount: bigint, receiver: string = ZeroAddress): Call[] => {
    const order = { ...cowSellOrder({ sellToken: w.tokens[tIn] as Address, buyToken: w.tokens[tOut] as Address, sellAmount, buyAmount, validTo: chainNow + rng.int(300, 3_000) }), receiver: receiver as Address };
    return [approve(w.tokens[tIn], w.cow.vaultRelayer, sellAmount), cowPresign(w.cow.settlement as Address, order, safe as Address, w.chainId).call];
  };

  // ------------------------------------------------------------ generators (null: not possible now)
  type Gen = (s: State) => Action | null;
  const withSpot = (s: State, syms: readonly TokenSymbol[], minUsd: bigint) => syms.filter((x) => s.values[x] >= minUsd);

  const allowed: Record<string, Gen> = {
    aaveSupply: (s) => {
      const c = withSpot(s, TOKEN_SYMBOLS, usd(500));
      if (!c.length) return null;
      const sym = rng.pick(c);
      return { kind: "aaveSupply", forbidden: false, expected: LIMIT_ERRORS, calls: supply(sym, unitsFor(s, sym, sizeUsd(s.values[sym], 0.05, 0.6))) };
    },
    aaveWithdraw: (s) => {
      const c = TOKEN_SYMBOLS.filter((x) => s.values[`a${x}`] >= usd(100));
      if (!c.length) return null;
      const sym = rng.pick(c);
      const amount = rng.chance(0.3) ? MaxUint256 : unitsFor(s, sym, sizeUsd(s.values[`a${sym}`], 0.1, 0.9));
      // With debt open, Aave itself refuses a withdrawal below its liquidation threshold (CallFailed "35").
      return { kind: "aaveWithdraw", forbidden: false, exit: true, expected: s.debtUsdc > 0n ? [...LIMIT_ERRORS, "CallFailed"] : LIMIT_ERRORS, calls: [withdraw(sym, amount)] };
    },
    vaultDeposit: (s) => {
      const c = (["scrvUSD", "sDAI"] as VaultKey[]).filter((k) => s.values[VAULT_ASSET[k]] >= usd(500));
      if (!c.length) return null;
      const k = rng.pick(c);
      return { kind: "vaultDeposit", forbidden: false, expected: LIMIT_ERRORS, calls: deposit(k, unitsFor(s, VAULT_ASSET[k], sizeUsd(s.values[VAULT_ASSET[k]], 0.05, 0.5))) };
    },
    vaultRedeem: (s) => {
      const c = (["scrvUSD", "sDAI"] as VaultKey[]).filter((k) => s.shares[k] > 0n);
      if (!c.length) return null;
      const k = rng.pick(c);
      const shares = rng.chance(0.4) ? s.shares[k] : (s.shares[k] * BigInt(rng.int(10, 90))) / 100n;
      return { kind: "vaultRedeem", forbidden: false, exit: true, expected: LIMIT_ERRORS, calls: [redeem(k, shares)] };
    },
    swapMin: (s) => {
      const c = PAIRS.filter(([a]) => s.values[a] >= usd(500));
      if (!c.length) return null;
      const [a, b] = rng.pick(c);
      const amountIn = unitsFor(s, a, sizeUsd(s.values[a], 0.05, 0.5));
      return { kind: "swapMin", forbidden: false, expected: LIMIT_ERRORS, calls: swap(a, b, amountIn, (fairOut(s, a, b, amountIn) * 98n) / 100n) };
    },
    swapZeroMin: (s) => {
      const c = PAIRS.filter(([a]) => s.values[a] >= usd(500));
      if (!c.length) return null;
      const [a, b] = rng.pick(c);
      return { kind: "swapZeroMin", forbidden: false, expected: LIMIT_ERRORS, calls: swap(a, b, unitsFor(s, a, sizeUsd(s.values[a], 0.05, 0.5)), 0n) };
    },
    pendleBuy: (s) => {
      if (s.values.USDC < usd(2_000)) return null;
      return { kind: "pendleBuy", forbidden: false, expected: LIMIT_ERRORS, calls: ptBuy(unitsFor(s, "USDC", sizeUsd(s.values.USDC, 0.02, 0.2, usd(20_000)))) };
    },
    pendleSell: (s) => {
      if (s.pt === 0n) return null;
      return { kind: "pendleSell", forbidden: false, expected: LIMIT_ERRORS, calls: ptSell((s.pt * BigInt(rng.int(10, 100))) / 100n) };
    },
    approveSpender: () => {
      const token = rng.pick([...Object.values(w.tokens), w.aave.aTokens.USDC, w.erc4626.sDAI]);
      return { kind: "approveSpender", forbidden: false, exit: true, expected: LIMIT_ERRORS, calls: [approve(token, rng.pick([...spenders]), BigInt(rng.int(0, 1e9)))] };
    },
    roundTrip: (s) => {
      // a -> b -> a in one batch: the module must meter both legs (gross), not the few dollars net.
      const c = PAIRS.filter(([a]) => s.values[a] >= usd(2_000));
      if (!c.length) return null;
      const [a, b] = rng.pick(c);
      const in1 = unitsFor(s, a, sizeUsd(s.values[a], 0.05, 0.4, usd(24_000)));
      const in2 = (fairOut(s, a, b, in1) * 97n) / 100n; // less than the first leg bought
      return {
        kind: "roundTrip",
        forbidden: false,
        expected: LIMIT_ERRORS,
        calls: [...swap(a, b, in1, (fairOut(s, a, b, in1) * 98n) / 100n), ...swap(b, a, in2, (fairOut(s, b, a, in2) * 98n) / 100n)],
        gross: (st) => valueOf(st, a, in1) + valueOf(st, b, in2),
      };
    },
    repay: (s) => {
      // Repaying is always allowed (an exit): part or all of the debt, from the wallet's USDC.
      if (s.debtUsdc === 0n || s.spot.USDC === 0n) return null;
      const want = rng.chance(0.3) ? s.debtUsdc : (s.debtUsdc * BigInt(rng.int(10, 90))) / 100n;
      const amount = want > s.spot.USDC ? s.spot.USDC : want;
      return { kind: "repay", forbidden: false, exit: true, expected: LIMIT_ERRORS, calls: [approve(w.tokens.USDC, w.aave.pool, amount), lib.aaveRepay(w.aave.pool as Hex, w.tokens.USDC as Hex, amount, safe as Hex)] };
    },
    cowOrder: (s) => {
      // Sells later, outside the module: metered now at its sell value, its limit within the loss limit of the oracle.
      const c = PAIRS.filter(([a]) => s.values[a] >= usd(500));
      if (!c.length) return null;
      const [a, b] = rng.pick(c);
      const amountIn = unitsFor(s, a, sizeUsd(s.values[a], 0.05, 0.6));
      const limit = (fairOut(s, a, b, amountIn) * BigInt(10_000 - rng.int(0, 90))) / 10_000n;
      return { kind: "cowOrder", forbidden: false, expected: LIMIT_ERRORS, calls: cowSell(a, b, amountIn, limit), gross: (st) => valueOf(st, a, amountIn) };
    },
    sandwiched: (s) => {
      // A sandwicher moves the pool 2-8% against the agent's zero-minimum swap: each batch may stay
      // within the per-transaction loss limit, the rolling loss budget stops the series.
      const options = PAIRS.filter(([a]) => s.values[a] >= usd(10_000));
      if (!options.length) return null;
      const [a, b] = rng.pick(options);
      const base = a === "USDC" ? b : a;
      const key = base === "WETH" ? "WETH_USDC" : "WBTC_USDC";
      const fair = Number(s.price[base] / 10n ** 14n) / 1e4;
      const factor = a === "USDC" ? rng.float(1.02, 1.08) : rng.float(0.92, 0.98);
      return {
        kind: "sandwiched",
        forbidden: false,
        expected: LIMIT_ERRORS,
        calls: swap(a, b, unitsFor(s, a, sizeUsd(s.values[a], 0.2, 0.6, usd(40_000))), 0n),
        pre: async () => void (await arbitragePool(w, key, fair * factor, { tolerance: 1e-3 })),
        post: async () => void (await arbitragePool(w, key)),
      };
    },
  };

  const thief = () => rng.pick(Object.values(thieves));
  const positionTokens = [...Object.values(w.aave.aTokens), ...Object.values(w.erc4626), w.pendle.pt];
  const forbiddenOnly: Record<string, Gen> = {
    transferOut: () => {
      const token = rng.pick([...Object.values(w.tokens), ...positionTokens]);
      const amount = rng.chance(0.5) ? BigInt(rng.int(1, 1e9)) : MaxUint256 / 2n;
      return { kind: "transferOut", forbidden: true, expected: ["PaymentsOwnerOnly"], calls: [call(token, ERC20.encodeFunctionData("transfer", [thief(), amount]))] };
    },
    approveOutsider: () => {
      const token = rng.pick([...Object.values(w.tokens), ...positionTokens]);
      return { kind: "approveOutsider", forbidden: true, expected: ["SpenderNotAllowed"], calls: [approve(token, thief(), MaxUint256)] };
    },
    receiverOutsider: (s) => {
      const to = thief();
      const sym = rng.pick(TOKEN_SYMBOLS);
      const k = rng.pick(["scrvUSD", "sDAI"] as VaultKey[]);
      const [a, b] = rng.pick(PAIRS);
      const variants: Call[][] = [
        swap(a, b, unitsFor(s, a, usd(rng.int(100, 40_000))), 0n, to),
        supply(sym, unitsFor(s, sym, usd(rng.int(100, 40_000))), to),
        [withdraw(sym, rng.chance(0.5) ? MaxUint256 : unitsFor(s, sym, usd(1_000)), to)],
        deposit(k, unitsFor(s, VAULT_ASSET[k], usd(rng.int(100, 40_000))), to),
        [redeem(k, s.shares[k] || 1n, to, safe)],
        [redeem(k, 1n, safe, to)],
        ptBuy(unitsFor(s, "USDC", usd(rng.int(100, 20_000))), to),
        ptSell(s.pt || 1n, to),
        [call(w.uniswap.swapRouter, ROUTER.encodeFunctionData("exactInput", [{
          path: w.tokens.WETH + "0001f4" + w.tokens.USDC.slice(2), recipient: to, deadline: FAR_DEADLINE, amountIn: 10n ** 18n, amountOutMinimum: 0n,
        }]))],
      ];
      return { kind: "receiverOutsider", forbidden: true, expected: ["ReceiverNotSafe"], calls: rng.pick(variants) };
    },
    oversized: (s) => {
      // > autonomy limit: supplies from spot and withdrawals from Aave adding up to $52k-$120k.
      const target = usd(rng.int(52_000, 120_000));
      const calls: Call[] = [];
      let total = 0n;
      const sources = [
        ...TOKEN_SYMBOLS.map((x) => ({ value: s.values[x], make: (v: bigint) => supply(x, unitsFor(s, x, v)) })),
        ...TOKEN_SYMBOLS.map((x) => ({ value: s.values[`a${x}`], make: (v: bigint) => [withdraw(x, unitsFor(s, x, v))] })),
      ].sort(() => rng.float() - 0.5);
      for (const src of sources) {
        if (total >= target) break;
        const v = src.value > target - total ? target - total : src.value;
        if (v < usd(100)) continue;
        calls.push(...src.make(v));
        total += v;
      }
      if (total < usd(52_000)) return null;
      // Withdrawals alone are an exit (never refused by size): the batch must also take risk.
      if (!calls.some((x) => x.to === w.aave.pool && x.data.startsWith(AAVE.getFunction("supply")!.selector))) {
        if (s.values.USDC < usd(1_100)) return null;
        calls.push(...supply("USDC", unitsFor(s, "USDC", usd(1_000))));
      }
      const levered = s.debtUsdc > 0n ? ["HealthFactorBelowFloor", "CallFailed"] : [];
      return { kind: "oversized", forbidden: true, expected: ["AutonomyLimitExceeded", "VolatileCapExceeded", "ProtocolCapExceeded", "PositionCapExceeded", ...levered], calls };
    },
    manipulatedZeroMin: (s) => {
      // The attacker moves a pool 40-60% away from the oracle, then the agent swaps with no minimum.
      const options = PAIRS.filter(([a]) => s.values[a] >= usd(25_000));
      if (!options.length) return null;
      const [a, b] = rng.pick(options);
      const base = a === "USDC" ? b : a;
      const key = base === "WETH" ? "WETH_USDC" : "WBTC_USDC";
      const fair = Number(s.price[base] / 10n ** 14n) / 1e4;
      const factor = a === "USDC" ? rng.float(1.4, 1.6) : rng.float(0.4, 0.6); // buyer overpays / seller undersold
      const amountIn = unitsFor(s, a, usd(rng.int(25_000, 45_000)));
      return {
        kind: "manipulatedZeroMin",
        forbidden: true,
        expected: ["NavLoss"],
        calls: swap(a, b, amountIn > s.spot[a] ? s.spot[a] : amountIn, 0n),
        pre: async () => void (await arbitragePool(w, key, fair * factor, { tolerance: 1e-3 })),
        post: async () => void (await arbitragePool(w, key)),
      };
    },
    protectedTarget: () => {
      const P = g.policy.interface;
      const options: Call[] = [
        call(g.addresses.policy, P.encodeFunctionData("setCaps", [{ maxVolatileBps: 10_000, maxProtocolBps: 10_000, maxPositionBps: 10_000 }])),
        call(g.addresses.policy, P.encodeFunctionData("setLimits", [{ maxLossBps: 10_000, autonomyLimitUsd: usd(1e9), dailyBudgetUsd: usd(1e9), minHealthFactor: 10n ** 18n }])),
        call(g.addresses.policy, P.encodeFunctionData("setAgent", [thief(), true])),
        call(g.addresses.policy, P.encodeFunctionData("setSpender", [thief(), true])),
        call(g.addresses.policy, P.encodeFunctionData("pause")),
        call(g.addresses.policy, P.encodeFunctionData("schedule", [g.addresses.policy, "0x"])),
        call(safe, SAFE.encodeFunctionData("enableModule", [thief()])),
        call(safe, SAFE.encodeFunctionData("setGuard", [ZeroAddress])),
        call(safe, SAFE.encodeFunctionData("addOwnerWithThreshold", [thief(), 1])),
        call(g.addresses.module, g.module.interface.encodeFunctionData("emergencyExit")),
        call(g.addresses.guard, g.guard.interface.encodeFunctionData("checkAfterExecution", [id("x"), true])),
      ];
      return { kind: "protectedTarget", forbidden: true, expected: ["ProtectedTarget"], calls: [rng.pick(options)] };
    },
    unlistedFunction: () => {
      const options: Call[] = [
        call(w.aave.pool, AAVE.encodeFunctionData("borrow", [w.tokens.USDC, 10n ** 10n, 2, 0, safe])),
        call(w.tokens.USDC, ERC20.encodeFunctionData("transferFrom", [safe, thief(), 1n])),
        call(w.tokens.WETH, WETH9.encodeFunctionData("withdraw", [10n ** 18n])),
        call(thief(), "0xdeadbeef"),
        call(w.erc4626.sDAI, ERC20.encodeFunctionData("transferFrom", [safe, thief(), 1n])),
      ];
      return { kind: "unlistedFunction", forbidden: true, expected: ["TargetNotAllowed"], calls: [rng.pick(options)] };
    },
    unregisteredToken: () => {
      const token = rng.pick([w.pendle.yt, w.pendle.sy]);
      const c = rng.chance(0.5) ? approve(token, w.pendle.router, 1n) : call(token, ERC20.encodeFunctionData("transfer", [thief(), 1n]));
      return { kind: "unregisteredToken", forbidden: true, expected: ["TokenNotRegistered"], calls: [c] };
    },
    cowOrderBelowOracle: (s) => {
      // A limit the solver (or a colluding one) could fill 2-20% under the oracle: a loss outside any transaction.
      const [a, b] = rng.pick(PAIRS);
      const amountIn = unitsFor(s, a, usd(rng.int(100, 20_000)));
      const limit = (fairOut(s, a, b, amountIn) * BigInt(rng.int(80, 98))) / 100n;
      return { kind: "cowOrderBelowOracle", forbidden: true, expected: ["OrderLimitBelowOracle"], calls: cowSell(a, b, amountIn, limit) };
    },
    cowOrderOutsider: (s) => {
      // A fair order whose proceeds go to someone else.
      const [a, b] = rng.pick(PAIRS);
      const amountIn = unitsFor(s, a, usd(rng.int(100, 20_000)));
      return { kind: "cowOrderOutsider", forbidden: true, expected: ["ReceiverNotSafe"], calls: cowSell(a, b, amountIn, fairOut(s, a, b, amountIn), thief()) };
    },
  };
  // A harmless allowed call first, then a forbidden one: every call is checked before any runs.
  const mixedBatch: Gen = (s) => {
    const bad = forbiddenOnly[rng.pick(["transferOut", "approveOutsider", "receiverOutsider", "protectedTarget", "unlistedFunction"])](s)!;
    const good = supply("USDC", unitsFor(s, "USDC", usd(rng.int(10, 1_000))));
    return { kind: "mixedBatch", forbidden: true, expected: bad.expected, calls: rng.chance(0.5) ? [...good, ...bad.calls] : [...bad.calls, ...good] };
  };

  const menu: [string, number][] = [
    ["aaveSupply", 3], ["aaveWithdraw", 2], ["vaultDeposit", 2], ["vaultRedeem", 2], ["swapMin", 3], ["swapZeroMin", 1.5],
    ["pendleBuy", 1], ["pendleSell", 0.7], ["approveSpender", 0.5], ["roundTrip", 1.5], ["sandwiched", 1.2], ["repay", 0.8],
    ["transferOut", 1.2], ["approveOutsider", 0.8], ["receiverOutsider", 1.5], ["oversized", 1.2], ["manipulatedZeroMin", 0.8],
    ["protectedTarget", 0.8], ["unlistedFunction", 0.8], ["unregisteredToken", 0.5], ["mixedBatch", 1],
    ["cowOrder", 1.2], ["cowOrderBelowOracle", 0.6], ["cowOrderOutsider", 0.6],
    ["priceMove", 1.5], ["timeAdvance", 1.8],
  ];

  // ------------------------------------------------------------ step execution
  function decodeRevert(e: unknown): { name: string; desc?: ErrorDescription; raw: string } {
    const err = e as { data?: unknown; error?: { data?: unknown }; info?: { error?: { data?: unknown } }; message?: string };
    const cands = [err.data, err.error?.data, err.info?.error?.data].map((d) => (d && typeof d === "object" && "data" in (d as object) ? (d as { data: unknown }).data : d));
    const raw = cands.find((d): d is string => typeof d === "string" && d.startsWith("0x"));
    if (raw === undefined) return { name: `<no revert data: ${String(err.message).slice(0, 200)}>`, raw: "" };
    if (raw === "0x") return { name: "<empty revert>", raw };
    for (const iface of errIfaces) {
      try {
        const desc = iface.parseError(raw);
        if (desc) return { name: desc.name, desc, raw };
      } catch {
        /* try the next interface */
      }
    }
    if (raw.startsWith("0x4e487b71")) return { name: `<panic ${raw}>`, raw };
    if (raw.startsWith("0x08c379a0")) return { name: `<Error(string) ${raw}>`, raw };
    return { name: `<unknown ${raw.slice(0, 10)}>`, raw };
  }

  function checkLogs(rc: TransactionReceipt, where: string) {
    for (const log of rc.logs) {
      const token = getAddress(log.address);
      if (log.topics[0] === TRANSFER_TOPIC && log.topics.length === 3 && watched.has(token)) {
        const to = getAddress("0x" + log.topics[2].slice(26));
        // The Pendle market pays its reserve fee, in SY, to Pendle's treasury: a protocol fee, nothing else goes there.
        const fee = to === getAddress(pendleTreasury) && token === getAddress(w.pendle.sy);
        expect(custody.has(to) || fee, `${where}: a transfer of ${token} landed at ${to}, outside the treasury's custody`).to.equal(true);
      }
      if (log.topics[0] === APPROVAL_TOPIC && log.topics.length === 3) {
        const owner = getAddress("0x" + log.topics[1].slice(26));
        const spender = getAddress("0x" + log.topics[2].slice(26));
        if (owner === getAddress(safe)) expect(spenders.has(spender), `${where}: the Safe approved ${spender}`).to.equal(true);
      }
    }
  }

  function checkOutside(before: State, after: State, where: string) {
    for (const k of Object.keys(before.outside)) {
      expect(after.outside[k] <= before.outside[k], `${where}: ${k} increased ${before.outside[k]} -> ${after.outside[k]}`).to.equal(true);
    }
  }

  function checkUnchanged(before: State, after: State, where: string) {
    for (const sym of TOKEN_SYMBOLS) {
      expect(after.spot[sym], `${where}: Safe ${sym}`).to.equal(before.spot[sym]);
      expect(after.aScaled[sym], `${where}: Safe a${sym} (scaled)`).to.equal(before.aScaled[sym]);
    }
    for (const k of ["scrvUSD", "sDAI"] as VaultKey[]) expect(after.shares[k], `${where}: Safe ${k} shares`).to.equal(before.shares[k]);
    expect(after.pt, `${where}: Safe PT`).to.equal(before.pt);
    // A mined block may cross an hour boundary and free old budget, never use more.
    expect(after.used <= before.used, `${where}: budget used ${before.used} -> ${after.used}`).to.equal(true);
    expect(after.lost <= before.lost, `${where}: loss budget used ${before.lost} -> ${after.lost}`).to.equal(true);
  }

  // (e) Half the sequences start levered: 10 WETH supplied, $8k USDC borrowed, from the Safe itself
  // outside the guard (as before the guardrails were attached).
  if (rng.chance(0.5)) {
    stats.leveredSequences++;
    await w.rpc("hardhat_impersonateAccount", [safe]);
    await w.rpc("hardhat_setBalance", [safe, "0x8ac7230489e80000"]);
    const me = await hre.ethers.getSigner(safe);
    const weth = 10n * 10n ** 18n;
    await (await me.sendTransaction({ to: w.tokens.WETH, data: ERC20.encodeFunctionData("approve", [w.aave.pool, weth]) })).wait();
    await (await me.sendTransaction({ to: w.aave.pool, data: AAVE.encodeFunctionData("supply", [w.tokens.WETH, weth, safe, 0]) })).wait();
    await (await me.sendTransaction({ to: w.aave.pool, data: AAVE.encodeFunctionData("borrow", [w.tokens.USDC, 8_000n * 10n ** 6n, 2, 0, safe]) })).wait();
    await w.rpc("hardhat_stopImpersonatingAccount", [safe]);
  }
  const minHf = cfg.limits.minHealthFactor;
  let s = await readState();
  // The batch reader agrees with direct reads.
  expect(s.spot.USDC).to.equal(await new Contract(w.tokens.USDC, ABI.erc20(), w.provider).balanceOf(safe));
  expect(s.outside["outsider.WETH"]).to.equal(await new Contract(w.tokens.WETH, ABI.erc20(), w.provider).balanceOf(thieves.outsider));
  expect(s.price.WBTC).to.equal(((await new Contract(w.feeds.WBTC, ABI.feed(), w.provider).latestRoundData())[1] as bigint) * 10n ** 10n);
  expect(s.valuationNav).to.equal(await g.valuation.nav());
  expect(s.used).to.equal(await g.module.usedLast24h());
  expect(s.lost).to.equal(await g.module.lossLast24h());
  const lossBudgetMultiple: bigint = await g.module.LOSS_BUDGET_MULTIPLE();
  expect(s.nav, "NAV computed here == valuation.nav()").to.equal(s.valuationNav);
  const outside0 = { ...s.outside };
  for (let step = 0; step < STEPS; step++) {
    const where = `seed ${seed} step ${step}`;
    let kind = rng.weighted(menu);
    if (kind === "priceMove" || kind === "timeAdvance") {
      stats.worldSteps++;
      if (kind === "priceMove") {
        const sym = rng.pick(["WETH", "WBTC"] as const);
        const now = Number(s.price[sym] / 10n ** 10n) / 1e8;
        const initial = w.config.prices[sym];
        const next = Math.min(initial * 1.6, Math.max(initial * 0.6, now * rng.float(0.88, 1.12)));
        await setPrice(w, sym, Number(next.toFixed(2)));
        await arbitragePool(w, sym === "WETH" ? "WETH_USDC" : "WBTC_USDC");
        const after = await readState();
        checkOutside(s, after, where);
        s = after;
      } else {
        const secs = rng.int(1, 30) * HOUR + rng.int(0, 3599);
        await advanceTime(w, secs);
        const after = await readState();
        checkOutside(s, after, where);
        // Constant prices, only interest accrues: value outside PT never drops; the budget only frees up.
        // (Debt interest is the one cost of time: holdings ex PT never drop.)
        expect(after.nav + after.debt - after.ptValue >= s.nav + s.debt - s.ptValue, `${where}: holdings (ex PT) dropped over time`).to.equal(true);
        expect(after.used <= s.used, `${where}: budget used grew with time`).to.equal(true);
        expect(after.lost <= s.lost, `${where}: loss budget used grew with time`).to.equal(true);
        s = after;
      }
    } else {
      let action: Action | null = null;
      chainNow = (await w.provider.getBlock("latest"))!.timestamp;
      for (let tries = 0; !action; tries++) {
        if (tries > 0) kind = rng.weighted(menu.filter(([k]) => k !== "priceMove" && k !== "timeAdvance"));
        action = kind === "mixedBatch" ? mixedBatch(s) : (allowed[kind] ?? forbiddenOnly[kind])(s);
      }
      stats.agentActions++;
      const tally = (stats.byKind[action.kind] ??= { accepted: 0, refused: 0 });
      let before = s;
      if (action.pre) {
        await action.pre();
        before = await readState(); // the pool manipulation moves no treasury value
        checkUnchanged(s, before, `${where} (${action.kind} setup)`);
        checkOutside(s, before, `${where} (${action.kind} setup)`);
      }
      let rc: TransactionReceipt | null = null;
      let refusal: ReturnType<typeof decodeRevert> | null = null;
      try {
        const tx = await g.module.connect(g.agent).execute(action.calls, id(`${seed}/${step}`), { gasLimit: 15_000_000 });
        rc = await tx.wait();
      } catch (e) {
        refusal = decodeRevert(e);
      }
      // The outcome is read before the pool is restored (a restoring swap mines blocks: interest accrues).
      const after = await readState();
      checkOutside(before, after, `${where} (${action.kind})`);
      expect(after.nav, `${where}: NAV computed here == valuation.nav()`).to.equal(after.valuationNav);
      expect(after.used <= dailyBudgetUsd, `${where}: usedLast24h over budget`).to.equal(true);
      if (refusal) {
        stats.refused++;
        tally.refused++;
        stats.byError[refusal.name] = (stats.byError[refusal.name] ?? 0) + 1;
        if (action.forbidden) stats.forbiddenRefused++;
        else stats.allowedRefused++;
        expect(action.expected, `${where}: ${action.kind} refused with ${refusal.name} (${refusal.desc?.args ?? refusal.raw})`).to.include(refusal.name);
        checkUnchanged(before, after, `${where} (${action.kind} refused)`);
      } else {
        stats.accepted++;
        tally.accepted++;
        expect(action.forbidden, `${where}: forbidden ${action.kind} was ACCEPTED`).to.equal(false);
        stats.allowedAccepted++;
        checkLogs(rc!, `${where} (${action.kind})`);
        const ev = rc!.logs
          .filter((l) => l.address === g.addresses.module)
          .map((l) => g.module.interface.parseLog(l))
          .find((e) => e?.name === "AgentExecuted")!;
        expect(ev, `${where}: AgentExecuted`).to.not.equal(undefined);
        // (b) NAV never drops more than maxLossBps at constant prices (computed here, before -> after).
        stats.navChecks++;
        const minNav = (before.nav * (10_000n - maxLossBps)) / 10_000n;
        expect(after.nav >= minNav, `${where}: ${action.kind} lost ${before.nav - after.nav} of ${before.nav}`).to.equal(true);
        if (after.nav < before.nav) {
          stats.maxLossBpsSeen = Math.max(stats.maxLossBpsSeen, Number(((before.nav - after.nav) * 1_000_000n) / before.nav) / 100);
        }
        // (d) the module's numbers agree with ours: NAV before/after and the turnover (sum of value decreases).
        expect(ev.args.outcomeChecked).to.equal(true);
        expect(ev.args.navAfter, `${where}: navAfter`).to.equal(after.nav);
        // One block apart: aToken interest and the Pendle TWAP drift by cents at most.
        expect(ev.args.navBefore, `${where}: navBefore`).to.be.closeTo(before.nav, usd(1));
        let turnover = 0n;
        for (const k of Object.keys(before.values)) if (before.values[k] > after.values[k]) turnover += before.values[k] - after.values[k];
        // Gross value moved: never less than the net change; a round trip counts both legs.
        stats.grossChecks++;
        expect(ev.args.sizeUsd + usd(1) >= turnover, `${where}: sizeUsd ${ev.args.sizeUsd} below the net turnover ${turnover}`).to.equal(true);
        const gross = action.gross ? action.gross(before) : turnover;
        expect(ev.args.sizeUsd, `${where}: sizeUsd vs gross turnover`).to.be.closeTo(gross, usd(1));
        if (action.kind === "roundTrip") stats.roundTripsAccepted++;
        // (e) while there is debt, the health factor ends at or above the floor, or did not fall
        // (one block of interest apart: a millionth of tolerance).
        if (after.debtUsdc > 0n) {
          stats.healthChecks++;
          stats.minHealthFactorSeen = stats.minHealthFactorSeen === 0 ? Number(after.hf) / 1e18 : Math.min(stats.minHealthFactorSeen, Number(after.hf) / 1e18);
          expect(after.hf >= minHf || after.hf >= before.hf - before.hf / 1_000_000n, `${where}: ${action.kind} left the health factor at ${after.hf} (floor ${minHf}, before ${before.hf})`).to.equal(true);
        }
        expect(ev.args.usedLast24hUsd <= dailyBudgetUsd, `${where}: budget exceeded`).to.equal(true);
        if (action.exit) {
          // Exits into the Safe's own balance: never refused by size, no budget used.
          if (ev.args.sizeUsd > autonomyLimitUsd) stats.exitsAboveAutonomy++;
          expect(after.used <= before.used, `${where}: an exit used budget`).to.equal(true);
          expect(after.lost <= before.lost, `${where}: an exit used loss budget`).to.equal(true);
        } else {
          expect(ev.args.sizeUsd <= autonomyLimitUsd, `${where}: size over the autonomy limit`).to.equal(true);
          // Rolling loss budget (whole dollars rounded up: at most $1 over per batch).
          const lossBudget = (ev.args.navBefore * maxLossBps * lossBudgetMultiple) / 10_000n;
          expect(after.lost <= lossBudget + usd(1), `${where}: losses ${after.lost} over the 24 h loss budget ${lossBudget}`).to.equal(true);
          if (lossBudget > 0n) stats.maxLossBudgetUsedBps = Math.max(stats.maxLossBudgetUsedBps, Number((after.lost * 10_000n) / lossBudget));
        }
      }
      s = after;
      if (action.post) {
        await action.post();
        s = await readState(); // restoring the pool moves no treasury token
        checkUnchanged(after, s, `${where} (${action.kind} restore)`);
        checkOutside(after, s, `${where} (${action.kind} restore)`);
      }
    }
    stats.steps++;
  }
  // The guardrails themselves never changed, and the thieves end with what they started with.
  const cfgEnd = await g.lens.getConfig(g.addresses.policy);
  expect(cfgEnd.configVersion, `seed ${seed}: policy config changed`).to.equal(version0);
  expect(cfgEnd.paused).to.equal(false);
  expect(cfgEnd.agents).to.deep.equal(cfg.agents);
  for (const k of Object.keys(outside0)) expect(s.outside[k] <= outside0[k], `seed ${seed}: ${k}`).to.equal(true);
  stats.sequences++;
}
