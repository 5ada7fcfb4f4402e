// AgentModule, adversarially: the agent path (registered agent keys executing batches from the Safe
// without owner signatures) and the guardian's emergency exit. Every refused attack asserts the exact
// custom error AND that nothing moved (balances of the Safe, the attacker and the other roles).
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  Contract,
  ContractFactory,
  ContractTransactionResponse,
  Interface,
  MaxUint256,
  Signer,
  TransactionReceipt,
  ZeroAddress,
  id,
  parseUnits,
} from "ethers";
import { guardedWorldFixture, GuardedWorld, trackedTokens } from "../helpers/guarded";
import { IFACE } from "../helpers/interfaces";
import {
  ABI,
  ART,
  APPROX_DEFAULT,
  EMPTY_LIMIT,
  FAR_DEADLINE,
  MetaTx,
  TOKEN_SYMBOLS,
  TokenSymbol,
  VaultKey,
  advanceTime,
  arbitragePool,
  executeSafeTx,
  pendleTokenInput,
  pendleTokenOutput,
  usdToAnswer,
} from "../../scripts/world";
import { Effect, usd18 } from "../../scripts/guardrails/config";
import * as lib from "../../lib/chain/encode";
import type { Hex } from "viem";

const HOUR = 3600;
const DAY = 24 * HOUR;
const { erc20: ERC20, aavePool: AAVE, erc4626: VAULT, swapRouter: ROUTER, pendleRouter: PENDLE, safe: SAFE } = IFACE;
const SCALED = ["function scaledBalanceOf(address) view returns (uint256)"];

/** AgentModule.Call */
interface Call {
  to: string;
  value: bigint;
  data: string;
}
const call = (to: string, data: string, value = 0n): Call => ({ to, value, data });
const PRICE: Record<TokenSymbol, number> = { USDC: 1, DAI: 1, WETH: 3000, WBTC: 60000 };
const DECIMALS: Record<TokenSymbol, number> = { USDC: 6, DAI: 18, WETH: 18, WBTC: 8 };
/** Token units worth `usd` at the world's initial feed prices. */
const units = (sym: TokenSymbol, usd: number): bigint => parseUnits((usd / PRICE[sym]).toFixed(DECIMALS[sym]), DECIMALS[sym]);

// ------------------------------------------------------------------ call builders (the Safe is the actor)
const approve = (token: string, spender: string, amount: bigint): Call => lib.approve(token as Hex, spender as Hex, amount);
const transfer = (token: string, to: string, amount: bigint) => call(token, ERC20.encodeFunctionData("transfer", [to, amount]));

function aaveSupply(g: GuardedWorld, sym: TokenSymbol, amount: bigint, onBehalfOf = g.world.treasury.safe): Call[] {
  const w = g.world;
  return [
    approve(w.tokens[sym], w.aave.pool, amount),
    lib.aaveSupply(w.aave.pool as Hex, w.tokens[sym] as Hex, amount, onBehalfOf as Hex),
  ];
}
function aaveWithdraw(g: GuardedWorld, sym: TokenSymbol, amount: bigint, to = g.world.treasury.safe): Call {
  return lib.aaveWithdraw(g.world.aave.pool as Hex, g.world.tokens[sym] as Hex, amount, to as Hex);
}
function vaultDeposit(g: GuardedWorld, key: VaultKey, amount: bigint, receiver = g.world.treasury.safe): Call[] {
  const w = g.world;
  const asset = key === "scrvUSD" ? w.tokens.USDC : w.tokens.DAI;
  return [approve(asset, w.erc4626[key], amount), lib.vaultDeposit(w.erc4626[key] as Hex, amount, receiver as Hex)];
}
function uniSwap(
  g: GuardedWorld,
  tokenIn: TokenSymbol,
  tokenOut: TokenSymbol,
  amountIn: bigint,
  minOut: bigint,
  recipient = g.world.treasury.safe,
): Call[] {
  const w = g.world;
  const volatile = tokenIn === "USDC" ? tokenOut : tokenIn;
  const fee = w.uniswap.pools[volatile === "WETH" ? "WETH_USDC" : "WBTC_USDC"].fee;
  return [
    approve(w.tokens[tokenIn], w.uniswap.swapRouter, amountIn),
    call(
      w.uniswap.swapRouter,
      ROUTER.encodeFunctionData("exactInputSingle", [{
        tokenIn: w.tokens[tokenIn], tokenOut: w.tokens[tokenOut], fee, recipient, deadline: FAR_DEADLINE,
        amountIn, amountOutMinimum: minOut, sqrtPriceLimitX96: 0n,
      }]),
    ),
  ];
}
function pendleBuy(g: GuardedWorld, usdcIn: bigint, receiver = g.world.treasury.safe): Call[] {
  const p = g.world.pendle;
  return [
    approve(g.world.tokens.USDC, p.router, usdcIn),
    call(p.router, PENDLE.encodeFunctionData("swapExactTokenForPt", [
      receiver, p.market, 0n, APPROX_DEFAULT, pendleTokenInput(g.world.tokens.USDC, usdcIn), EMPTY_LIMIT,
    ])),
  ];
}
function pendleSell(g: GuardedWorld, ptIn: bigint, minOut: bigint, receiver = g.world.treasury.safe): Call[] {
  const p = g.world.pendle;
  return [
    approve(p.pt, p.router, ptIn),
    call(p.router, PENDLE.encodeFunctionData("swapExactPtForToken", [
      receiver, p.market, ptIn, pendleTokenOutput(g.world.tokens.USDC, minOut), EMPTY_LIMIT,
    ])),
  ];
}
const asMeta = (calls: Call[]): MetaTx[] => calls.map((c) => ({ to: c.to, value: c.value, data: c.data }));

// ------------------------------------------------------------------ actors
// Each decision hash goes through the module once (DecisionAlreadyExecuted): unnamed batches get their own.
let unnamed = 0;
function agentExec(g: GuardedWorld, calls: Call[], decision = `decision ${++unnamed}`): Promise<ContractTransactionResponse> {
  return g.module.connect(g.agent).execute(calls, id(decision));
}
async function ownersExec(g: GuardedWorld, calls: Call[]): Promise<TransactionReceipt> {
  return executeSafeTx({ safe: g.world.treasury.safe, owners: g.quorum, infra: g.world.safe, tx: asMeta(calls) });
}
const erc20 = (g: GuardedWorld, token: string) => new Contract(token, ABI.erc20(), g.world.provider);
const bal = (g: GuardedWorld, token: string, who = g.world.treasury.safe): Promise<bigint> => erc20(g, token).balanceOf(who);


/** Balances (ETH and every tracked token) of the Safe and every role an attack could pay. */
async function holdings(g: GuardedWorld, extraTokens: Record<string, string> = {}): Promise<Record<string, bigint>> {
  const w = g.world;
  const who: Record<string, string> = {
    safe: w.treasury.safe,
    outsider: w.accounts.outsider,
    agent: w.accounts.agent,
    payee: await g.payee.getAddress(),
    guardian: await g.guardian.getAddress(),
    owner1: w.accounts.owners[0],
    module: g.addresses.module,
  };
  const tokens = { ...trackedTokens(g), ...extraTokens };
  const aTokens = new Set(Object.values(w.aave.aTokens));
  const out: Record<string, bigint> = {};
  for (const [name, addr] of Object.entries(who)) {
    // ETH only for contracts: a refused transaction is still mined, and its sender pays gas.
    if (name === "safe" || name === "module") out[`${name}.ETH`] = await w.provider.getBalance(addr);
    for (const [sym, token] of Object.entries(tokens)) {
      // aTokens: the scaled balance (interest accrues every block, transfers change the scaled amount).
      out[`${name}.${sym}`] = aTokens.has(token)
        ? await new Contract(token, SCALED, w.provider).scaledBalanceOf(addr)
        : await bal(g, token, addr);
    }
  }
  out.usedLast24h = await g.module.usedLast24h();
  out.paused = (await g.policy.paused()) ? 1n : 0n;
  return out;
}

/**
 * Runs `attack`, expects it to revert with `errorName` (declared on `on`) and, if given, exactly
 * `args`; then checks that no balance of the Safe or of any role moved and no budget was used.
 * Returns nothing: an attack that went through fails here.
 */
async function expectRefused(
  g: GuardedWorld,
  attack: () => Promise<unknown>,
  on: { interface: Interface } | Contract | { interface: unknown },
  errorName: string,
  args?: unknown[],
  extraTokens: Record<string, string> = {},
): Promise<void> {
  const before = await holdings(g, extraTokens);
  const assertion = expect(attack()).to.be.revertedWithCustomError(on as never, errorName);
  if (args) await assertion.withArgs(...args);
  else await assertion;
  const after = await holdings(g, extraTokens);
  const moved = Object.keys(before).filter((k) => before[k] !== after[k]).map((k) => `${k}: ${before[k]} -> ${after[k]}`);
  expect(moved, `nothing may move after a refused ${errorName}`).to.deep.equal([]);
}

/** The decoded events `name` emitted by `address` in `receipt`. */
function eventsOf(receipt: TransactionReceipt, address: string, iface: Interface, name: string) {
  return receipt.logs
    .filter((l) => l.address.toLowerCase() === address.toLowerCase())
    .map((l) => iface.parseLog(l))
    .filter((e) => e?.name === name)
    .map((e) => e!);
}
function agentExecuted(g: GuardedWorld, receipt: TransactionReceipt) {
  const found = eventsOf(receipt, g.addresses.module, g.module.interface as unknown as Interface, "AgentExecuted");
  expect(found, "one AgentExecuted event").to.have.length(1);
  return found[0].args;
}

async function latestTimestamp(g: GuardedWorld): Promise<number> {
  const b = (await g.world.rpc("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
  return Number(b.timestamp);
}
/** Advance to `minute` minutes past the start of hour number `hourIndex` (unix hours), refreshing feeds. */
async function advanceToHour(g: GuardedWorld, hourIndex: number, minute = 1): Promise<void> {
  const now = await latestTimestamp(g);
  const target = hourIndex * HOUR + minute * 60;
  if (target <= now) throw new Error(`advanceToHour: hour ${hourIndex} is in the past`);
  await advanceTime(g.world, target - now);
}
const hourOf = (ts: number) => Math.floor(ts / HOUR);

function feed(g: GuardedWorld, sym: TokenSymbol): Contract {
  return new Contract(g.world.feeds[sym], ABI.feed(), g.world.signers.deployer);
}
/** Breaks the WETH feed: stale (last update 4 h ago, limit 3 h), zero, or negative. */
async function breakWethFeed(g: GuardedWorld, how: "stale" | "zero" | "negative"): Promise<void> {
  const f = feed(g, "WETH");
  if (how === "stale") {
    const now = await latestTimestamp(g);
    const round: bigint = await f.latestRound();
    await (await f.updateRoundData(round + 1n, usdToAnswer(3000), now - 4 * HOUR, now - 4 * HOUR)).wait();
  } else {
    await (await f.updateAnswer(how === "zero" ? 0n : -1n)).wait();
  }
}

/** Owners put the treasury to work in every venue: Aave (USDC, WETH), both vaults, Pendle PT. */
async function ownersOpenEveryPosition(g: GuardedWorld) {
  const amounts = {
    aaveUsdc: units("USDC", 30_000),
    aaveWeth: units("WETH", 30_000),
    scrvUSD: units("USDC", 20_000),
    sDAI: units("DAI", 20_000),
    pt: units("USDC", 20_000),
  };
  await ownersExec(g, [
    ...aaveSupply(g, "USDC", amounts.aaveUsdc),
    ...aaveSupply(g, "WETH", amounts.aaveWeth),
    ...vaultDeposit(g, "scrvUSD", amounts.scrvUSD),
    ...vaultDeposit(g, "sDAI", amounts.sDAI),
    ...pendleBuy(g, amounts.pt),
  ]);
  return amounts;
}

describe("AgentModule: the agent path (adversarial)", () => {
  let g: GuardedWorld;
  let safe: string;
  let outsider: string;
  let agentAddr: string;
  beforeEach(async () => {
    g = await loadFixture(guardedWorldFixture);
    safe = g.world.treasury.safe;
    outsider = g.world.accounts.outsider;
    agentAddr = g.world.accounts.agent;
  });

  it("happy path: approve + supply $10k USDC to Aave with a decisionHash emits AgentExecuted and moves the funds into aUSDC", async () => {
    const w = g.world;
    const amount = units("USDC", 10_000);
    const [usdc0, aUsdc0, nav0] = [await bal(g, w.tokens.USDC), await bal(g, w.aave.aTokens.USDC), await g.valuation.nav()];
    const decision = id("decision record #1: move idle USDC to Aave");
    const rc = (await (await g.module.connect(g.agent).execute(aaveSupply(g, "USDC", amount), decision)).wait())!;
    const ev = agentExecuted(g, rc);
    expect(ev.agent).to.equal(agentAddr);
    expect(ev.decisionHash).to.equal(decision);
    expect(ev.navBefore).to.equal(nav0); // only spot tokens before: NAV does not depend on the block
    const nav1: bigint = await g.valuation.nav();
    expect(ev.navAfter).to.be.closeTo(nav1, usd18(0.01));
    expect(ev.navAfter).to.be.closeTo(ev.navBefore, usd18(0.01)); // supply keeps value (aToken rounding)
    expect(ev.sizeUsd).to.be.closeTo(usd18(10_000), usd18(0.01));
    expect(ev.usedLast24hUsd).to.equal(ev.sizeUsd);
    expect(ev.calls).to.equal(2n);
    expect(ev.outcomeChecked).to.equal(true);
    expect(await bal(g, w.tokens.USDC)).to.equal(usdc0 - amount);
    expect(await bal(g, w.aave.aTokens.USDC)).to.be.within(aUsdc0 + amount - 1n, aUsdc0 + amount + 1n);
    expect(await erc20(g, w.tokens.USDC).allowance(safe, w.aave.pool)).to.equal(0n);
    expect(await g.module.usedLast24h()).to.equal(usd18(10_000));
    expect(await g.module.remainingBudget()).to.equal(usd18(140_000));
  });

  it("replay of a decision: the same decision hash is refused the second time (DecisionAlreadyExecuted), also by a second agent key; a reverted batch does not use up its hash", async () => {
    // The attack: an older journal backup restored (or a second agent process with its own journal)
    // sends a decision that already went through. The journal's unique day key cannot see it; the module does.
    const w = g.world;
    const decision = id("decision 2026-12-07: move idle USDC to Aave");
    expect(await g.module.executedDecision(decision)).to.equal(false);
    // A batch that reverts (over the autonomy limit) leaves the hash unused ...
    await expect(g.module.connect(g.agent).execute(aaveSupply(g, "USDC", units("USDC", 60_000)), decision)).to.be.revertedWithCustomError(g.module, "AutonomyLimitExceeded");
    expect(await g.module.executedDecision(decision)).to.equal(false);
    // ... so the corrected batch of the same decision goes through once.
    await (await g.module.connect(g.agent).execute(aaveSupply(g, "USDC", units("USDC", 10_000)), decision)).wait();
    expect(await g.module.executedDecision(decision)).to.equal(true);
    // expectRefused: reverted with that error, and the Safe's holdings did not move.
    const used1: bigint = await g.module.usedLast24h();
    await expectRefused(g, () => g.module.connect(g.agent).execute(aaveSupply(g, "USDC", units("USDC", 10_000)), decision), g.module, "DecisionAlreadyExecuted", [decision]);
    expect(await g.module.usedLast24h()).to.equal(used1);
    // Another registered agent key replaying it is refused the same way.
    const second = w.signers.owners[1];
    const policy = await g.policy.getAddress();
    const addAgent = g.policy.interface.encodeFunctionData("setAgent", [await second.getAddress(), true]);
    await ownersExec(g, [call(policy, g.policy.interface.encodeFunctionData("schedule", [policy, addAgent]))]);
    await advanceTime(w, Number(await g.policy.delay()) + 1); // feeds re-posted
    await ownersExec(g, [call(policy, addAgent)]);
    await expectRefused(g, () => g.module.connect(second).execute(aaveSupply(g, "USDC", units("USDC", 10_000)), decision), g.module, "DecisionAlreadyExecuted", [decision]);
  });

  it("above the autonomy limit: a $60k supply is refused (AutonomyLimitExceeded); the same move signed by the owners passes", async () => {
    const w = g.world;
    const amount = units("USDC", 60_000);
    await expectRefused(g, () => agentExec(g, aaveSupply(g, "USDC", amount)), g.module, "AutonomyLimitExceeded", [
      usd18(60_000),
      usd18(50_000),
    ]);
    const usdc0 = await bal(g, w.tokens.USDC);
    await ownersExec(g, aaveSupply(g, "USDC", amount));
    expect(await bal(g, w.tokens.USDC)).to.equal(usdc0 - amount);
    expect(await bal(g, w.aave.aTokens.USDC)).to.be.within(amount - 1n, amount + 1n);
    expect(await g.module.usedLast24h(), "owner moves do not use the agent's budget").to.equal(0n);
  });

  it("daily budget: three $40k batches pass, the 4th is refused (DailyBudgetExceeded); exactly the rest fits; 24 h later, once their hour has passed, the budget is back", async () => {
    const w = g.world;
    // Start 1 minute into a fresh hour, so every spend below lands in the same hourly bucket.
    await advanceToHour(g, hourOf(await latestTimestamp(g)) + 1);
    const spendHour = hourOf(await latestTimestamp(g));
    for (let i = 1; i <= 3; i++) {
      const rc = (await (await agentExec(g, aaveSupply(g, "USDC", units("USDC", 40_000)), `spend ${i}`)).wait())!;
      expect(agentExecuted(g, rc).usedLast24hUsd).to.equal(usd18(40_000 * i));
    }
    expect(await g.module.usedLast24h()).to.equal(usd18(120_000));
    expect(await g.module.remainingBudget()).to.equal(usd18(30_000));
    await expectRefused(g, () => agentExec(g, aaveSupply(g, "USDC", units("USDC", 40_000))), g.module, "DailyBudgetExceeded", [
      usd18(120_000),
      usd18(40_000),
      usd18(150_000),
    ]);
    // A batch that exactly fills the budget passes; then even $1 is refused.
    await (await agentExec(g, aaveSupply(g, "DAI", units("DAI", 30_000)))).wait();
    expect(await g.module.usedLast24h()).to.equal(usd18(150_000));
    expect(await g.module.remainingBudget()).to.equal(0n);
    await expectRefused(g, () => agentExec(g, aaveSupply(g, "USDC", units("USDC", 1))), g.module, "DailyBudgetExceeded", [
      usd18(150_000),
      usd18(1),
      usd18(150_000),
    ]);
    expect(hourOf(await latestTimestamp(g))).to.equal(spendHour);

    await advanceTime(w, DAY); // feeds re-posted
    expect(hourOf(await latestTimestamp(g))).to.equal(spendHour + 24);
    // The window is never shorter than 24 h: the last spends of that hour are not 24 h old yet.
    expect(await g.module.usedLast24h()).to.equal(usd18(150_000));
    await advanceToHour(g, spendHour + 25, 0);
    expect(await g.module.usedLast24h()).to.equal(0n);
    expect(await g.module.remainingBudget()).to.equal(usd18(150_000));
    const rc = (await (await agentExec(g, aaveSupply(g, "USDC", units("USDC", 40_000)))).wait())!;
    expect(agentExecuted(g, rc).usedLast24hUsd).to.equal(usd18(40_000));
  });

  it("daily budget is rolling: spends at hour 0 and hour 12; at hour 24 both count (never less than 24 h), at hour 25 only the hour-12 spend", async () => {
    const h0 = hourOf(await latestTimestamp(g)) + 1;
    await advanceToHour(g, h0);
    await (await agentExec(g, aaveSupply(g, "USDC", units("USDC", 40_000)), "hour 0")).wait();
    expect(await g.module.usedLast24h()).to.equal(usd18(40_000));

    await advanceToHour(g, h0 + 12);
    await (await agentExec(g, aaveSupply(g, "DAI", units("DAI", 30_000)), "hour 12")).wait();
    expect(await g.module.usedLast24h()).to.equal(usd18(70_000));
    expect(await g.module.remainingBudget()).to.equal(usd18(80_000));

    await advanceToHour(g, h0 + 23, 59);
    expect(await g.module.usedLast24h(), "hour 23: both spends are in the window").to.equal(usd18(70_000));
    await advanceToHour(g, h0 + 24);
    expect(await g.module.usedLast24h(), "hour 24: the hour-0 spend is not 24 h old yet").to.equal(usd18(70_000));
    await advanceToHour(g, h0 + 25);
    expect(await g.module.usedLast24h(), "hour 25: the hour-0 spend left the window").to.equal(usd18(30_000));
    expect(await g.module.remainingBudget()).to.equal(usd18(120_000));
    // The freed budget is usable: $120k more in this window, but not a dollar above.
    await (await agentExec(g, aaveSupply(g, "USDC", units("USDC", 50_000)), "hour 25 a")).wait();
    await (await agentExec(g, aaveSupply(g, "USDC", units("USDC", 50_000)), "hour 25 b")).wait();
    await (await agentExec(g, aaveSupply(g, "DAI", units("DAI", 20_000)), "hour 25 c")).wait();
    expect(await g.module.remainingBudget()).to.equal(0n);
    await expectRefused(g, () => agentExec(g, aaveSupply(g, "DAI", units("DAI", 1))), g.module, "DailyBudgetExceeded", [
      usd18(150_000),
      usd18(1),
      usd18(150_000),
    ]);
    await advanceToHour(g, h0 + 36);
    expect(await g.module.usedLast24h(), "hour 36: the hour-12 spend is not 24 h old yet").to.equal(usd18(150_000));
    await advanceToHour(g, h0 + 37);
    expect(await g.module.usedLast24h(), "hour 37: only the hour-25 spends").to.equal(usd18(120_000));
    await advanceToHour(g, h0 + 49);
    expect(await g.module.usedLast24h(), "hour 49: the hour-25 spends still count").to.equal(usd18(120_000));
    await advanceToHour(g, h0 + 50);
    expect(await g.module.usedLast24h(), "hour 50: nothing").to.equal(0n);
  });

  it("paused by a guardian: the agent is refused (AgentPaused), strangers cannot pause, the agent cannot unpause, only the Safe unpauses", async () => {
    const guardianAddr = await g.guardian.getAddress();
    const supply = () => agentExec(g, aaveSupply(g, "USDC", units("USDC", 1_000)));
    await expect(g.policy.connect(g.world.signers.outsider).pause()).to.be.revertedWithCustomError(g.policy, "NotGuardian").withArgs(outsider);
    await expect(g.policy.connect(g.agent).pause()).to.be.revertedWithCustomError(g.policy, "NotGuardian").withArgs(agentAddr);
    expect(await g.policy.paused()).to.equal(false);

    await expect(g.policy.connect(g.guardian).pause()).to.emit(g.policy, "Paused").withArgs(guardianAddr);
    await expectRefused(g, supply, g.policy, "AgentPaused", []);
    // Even exits are stopped while paused.
    await expectRefused(g, () => agentExec(g, [aaveWithdraw(g, "USDC", MaxUint256)]), g.policy, "AgentPaused", []);
    // The agent cannot unpause: neither directly nor through the module; nor can the guardian or an owner key alone.
    await expect(g.policy.connect(g.agent).unpause()).to.be.revertedWithCustomError(g.policy, "NotSafe").withArgs(agentAddr);
    await expectRefused(g, () => agentExec(g, [call(g.addresses.policy, g.policy.interface.encodeFunctionData("unpause"))]), g.policy, "AgentPaused", []);
    await expect(g.policy.connect(g.guardian).unpause()).to.be.revertedWithCustomError(g.policy, "NotSafe").withArgs(guardianAddr);
    const owner1 = g.world.signers.owners[0];
    await expect(g.policy.connect(owner1).unpause()).to.be.revertedWithCustomError(g.policy, "NotSafe").withArgs(g.world.accounts.owners[0]);
    expect(await g.policy.paused()).to.equal(true);

    // The owners (a Safe transaction) unpause; the agent works again.
    const rc = await ownersExec(g, [call(g.addresses.policy, g.policy.interface.encodeFunctionData("unpause"))]);
    expect(eventsOf(rc, g.addresses.policy, g.policy.interface as unknown as Interface, "Unpaused")).to.have.length(1);
    expect(await g.policy.paused()).to.equal(false);
    const usdc0 = await bal(g, g.world.tokens.USDC);
    await (await supply()).wait();
    expect(await bal(g, g.world.tokens.USDC)).to.equal(usdc0 - units("USDC", 1_000));
  });

  it("paused by one owner's own key (owners are guardians): the agent is refused (AgentPaused)", async () => {
    const owner1 = g.world.signers.owners[0];
    await expect(g.policy.connect(owner1).pause()).to.emit(g.policy, "Paused").withArgs(g.world.accounts.owners[0]);
    await expectRefused(g, () => agentExec(g, aaveSupply(g, "USDC", units("USDC", 1_000))), g.policy, "AgentPaused", []);
    // A pause that is already on stays on when paused again, and only the Safe lifts it.
    await (await g.policy.connect(g.guardian).pause()).wait();
    expect(await g.policy.paused()).to.equal(true);
    await ownersExec(g, [call(g.addresses.policy, g.policy.interface.encodeFunctionData("unpause"))]);
    await (await agentExec(g, aaveSupply(g, "USDC", units("USDC", 1_000)))).wait();
  });

  it("non-agent callers are refused (AgentNotRegistered): an outsider, an owner key, the guardian; and an agent the Safe removed", async () => {
    const calls = aaveSupply(g, "USDC", units("USDC", 1_000));
    const outsiderS = g.world.signers.outsider;
    const owner1 = g.world.signers.owners[0];
    for (const s of [outsiderS, owner1, g.guardian, g.payee]) {
      const who = await s.getAddress();
      await expectRefused(g, () => g.module.connect(s).execute(calls, id("x")), g.policy, "AgentNotRegistered", [who]);
    }
    // An attacker trying to drain directly through the module, with a transfer to itself.
    await expectRefused(
      g,
      () => g.module.connect(outsiderS).execute([transfer(g.world.tokens.USDC, outsider, units("USDC", 100_000))], id("x")),
      g.policy,
      "AgentNotRegistered",
      [outsider],
    );
    // Removing an agent is tightening: immediate, no timelock.
    await ownersExec(g, [call(g.addresses.policy, g.policy.interface.encodeFunctionData("setAgent", [agentAddr, false]))]);
    await expectRefused(g, () => agentExec(g, calls), g.policy, "AgentNotRegistered", [agentAddr]);
  });

  it("the agent can never touch the guardrails: policy setters, the Safe's own config, the module and the guard (ProtectedTarget)", async () => {
    const P = g.policy.interface;
    const policy = g.addresses.policy;
    const usd = usd18;
    const attacks: [string, Call, string][] = [
      ["policy.setCaps", call(policy, P.encodeFunctionData("setCaps", [{ maxVolatileBps: 10_000, maxProtocolBps: 10_000, maxPositionBps: 10_000 }])), policy],
      ["policy.setLimits", call(policy, P.encodeFunctionData("setLimits", [{ maxLossBps: 10_000, autonomyLimitUsd: usd(1e9), dailyBudgetUsd: usd(1e9), minHealthFactor: 10n ** 18n }])), policy],
      ["policy.setAgent", call(policy, P.encodeFunctionData("setAgent", [outsider, true])), policy],
      ["policy.setSpender", call(policy, P.encodeFunctionData("setSpender", [outsider, true])), policy],
      ["policy.unpause", call(policy, P.encodeFunctionData("unpause")), policy],
      ["policy.pause", call(policy, P.encodeFunctionData("pause")), policy],
      ["policy.schedule", call(policy, P.encodeFunctionData("schedule", [policy, P.encodeFunctionData("setAgent", [outsider, true])])), policy],
      ["policy.cancel", call(policy, P.encodeFunctionData("cancel", [id("x")])), policy],
      ["policy.recordDecision", call(policy, P.encodeFunctionData("recordDecision", [id("x")])), policy],
      ["safe.enableModule", call(safe, SAFE.encodeFunctionData("enableModule", [outsider])), safe],
      ["safe.setGuard(0)", call(safe, SAFE.encodeFunctionData("setGuard", [ZeroAddress])), safe],
      ["safe.addOwnerWithThreshold", call(safe, SAFE.encodeFunctionData("addOwnerWithThreshold", [outsider, 1])), safe],
      ["safe.changeThreshold", call(safe, SAFE.encodeFunctionData("changeThreshold", [1])), safe],
      ["safe.setFallbackHandler", call(safe, SAFE.encodeFunctionData("setFallbackHandler", [outsider])), safe],
      ["safe ETH self-call", call(safe, "0x"), safe],
      ["module.execute", call(g.addresses.module, g.module.interface.encodeFunctionData("execute", [[transfer(g.world.tokens.USDC, outsider, 1n)], id("x")])), g.addresses.module],
      ["module.emergencyExit", call(g.addresses.module, g.module.interface.encodeFunctionData("emergencyExit")), g.addresses.module],
      ["guard.checkAfterExecution", call(g.addresses.guard, g.guard.interface.encodeFunctionData("checkAfterExecution", [id("x"), true])), g.addresses.guard],
    ];
    for (const [label, c, target] of attacks) {
      await expectRefused(g, () => agentExec(g, [c], label), g.policy, "ProtectedTarget", [target]);
      // Hidden behind an innocent first call: every call of the batch is checked before anything runs.
      await expectRefused(g, () => agentExec(g, [...aaveSupply(g, "USDC", units("USDC", 100)), c], label), g.policy, "ProtectedTarget", [target]);
    }
    expect(await g.policy.paused()).to.equal(false);
    const cfg = await g.lens.getConfig(g.addresses.policy);
    expect(cfg.agents).to.deep.equal([agentAddr]);
  });

  it("agent payments are owner-only (PaymentsOwnerOnly): transfers to the registered payee, to an outsider, of position tokens, plain ETH", async () => {
    const w = g.world;
    // Give the Safe an aToken position and some ETH, so the transfers below have something to take.
    await ownersExec(g, aaveSupply(g, "USDC", units("USDC", 20_000)));
    await (await w.signers.deployer.sendTransaction({ to: safe, value: parseUnits("1", 18) })).wait();
    const payee = await g.payee.getAddress();
    const cases: [string, Call][] = [
      ["USDC to payee", transfer(w.tokens.USDC, payee, units("USDC", 1_000))],
      ["USDC to outsider", transfer(w.tokens.USDC, outsider, units("USDC", 1_000))],
      ["WETH to outsider", transfer(w.tokens.WETH, outsider, units("WETH", 1_000))],
      ["aUSDC to outsider", transfer(w.aave.aTokens.USDC, outsider, units("USDC", 1_000))],
      ["USDC to the agent itself", transfer(w.tokens.USDC, agentAddr, units("USDC", 1_000))],
      ["ETH to payee", call(payee, "0x", parseUnits("1", 18))],
      ["ETH to outsider", call(outsider, "0x", parseUnits("1", 18))],
    ];
    for (const [label, c] of cases) {
      await expectRefused(g, () => agentExec(g, [c], label), g.policy, "PaymentsOwnerOnly", []);
    }
    // The owners can pay the payee: the rule is about who, not what.
    const before = await bal(g, w.tokens.USDC, payee);
    await ownersExec(g, [transfer(w.tokens.USDC, payee, units("USDC", 1_000))]);
    expect(await bal(g, w.tokens.USDC, payee)).to.equal(before + units("USDC", 1_000));
  });

  it("approvals only to allowlisted spenders (SpenderNotAllowed), receivers must be the Safe (ReceiverNotSafe)", async () => {
    const w = g.world;
    await ownersExec(g, [...aaveSupply(g, "USDC", units("USDC", 20_000)), ...vaultDeposit(g, "sDAI", units("DAI", 20_000))]);
    const sDaiShares = await bal(g, w.erc4626.sDAI);
    // Approvals to an outsider, of assets and of position tokens.
    for (const token of [w.tokens.USDC, w.tokens.WETH, w.aave.aTokens.USDC, w.erc4626.sDAI]) {
      await expectRefused(g, () => agentExec(g, [approve(token, outsider, MaxUint256)]), g.policy, "SpenderNotAllowed", [outsider]);
    }
    await expectRefused(g, () => agentExec(g, [approve(w.tokens.USDC, agentAddr, MaxUint256)]), g.policy, "SpenderNotAllowed", [agentAddr]);
    expect(await erc20(g, w.tokens.USDC).allowance(safe, outsider)).to.equal(0n);

    const receivers: [string, Call[]][] = [
      ["swap recipient", uniSwap(g, "WETH", "USDC", units("WETH", 10_000), 0n, outsider)],
      ["Aave supply onBehalfOf", aaveSupply(g, "USDC", units("USDC", 10_000), outsider)],
      ["Aave withdraw to", [aaveWithdraw(g, "USDC", MaxUint256, outsider)]],
      ["vault deposit receiver", vaultDeposit(g, "scrvUSD", units("USDC", 10_000), outsider)],
      ["vault redeem receiver", [call(w.erc4626.sDAI, VAULT.encodeFunctionData("redeem", [sDaiShares, outsider, safe]))]],
      ["vault withdraw receiver", [call(w.erc4626.sDAI, VAULT.encodeFunctionData("withdraw", [units("DAI", 1_000), outsider, safe]))]],
      ["Pendle buy receiver", pendleBuy(g, units("USDC", 10_000), outsider)],
    ];
    for (const [label, calls] of receivers) {
      await expectRefused(g, () => agentExec(g, calls, label), g.policy, "ReceiverNotSafe", [outsider]);
    }
    // Multi-hop path with the outsider as recipient.
    const pathCall = call(w.uniswap.swapRouter, ROUTER.encodeFunctionData("exactInput", [{
      path: w.tokens.WETH + "0001f4" + w.tokens.USDC.slice(2), recipient: outsider, deadline: FAR_DEADLINE, amountIn: units("WETH", 1_000), amountOutMinimum: 0n,
    }]));
    await expectRefused(g, () => agentExec(g, [approve(w.tokens.WETH, w.uniswap.swapRouter, units("WETH", 1_000)), pathCall]), g.policy, "ReceiverNotSafe", [outsider]);
    // The owner of a vault redemption must be the Safe too (no pulling someone else's shares into the policy's accounting).
    await expectRefused(
      g,
      () => agentExec(g, [call(w.erc4626.sDAI, VAULT.encodeFunctionData("redeem", [1n, safe, outsider]))]),
      g.policy,
      "ReceiverNotSafe",
      [outsider],
    );
  });

  it("unregistered tokens and unlisted functions are refused (TokenNotRegistered, TargetNotAllowed)", async () => {
    const w = g.world;
    // An airdropped token the policy does not know.
    const f = new ContractFactory(ART.tokens.TestERC20().abi, ART.tokens.TestERC20().bytecode, w.signers.deployer);
    const scam = await f.deploy("Airdrop", "DROP", 18, w.accounts.deployer);
    await scam.waitForDeployment();
    const scamAddr = await scam.getAddress();
    await (await new Contract(scamAddr, ABI.erc20(), w.signers.deployer).mint(safe, parseUnits("1000", 18))).wait();
    const extra = { DROP: scamAddr };
    await expectRefused(g, () => agentExec(g, [transfer(scamAddr, outsider, 1n)]), g.policy, "TokenNotRegistered", [scamAddr], extra);
    await expectRefused(g, () => agentExec(g, [approve(scamAddr, w.uniswap.swapRouter, 1n)]), g.policy, "TokenNotRegistered", [scamAddr]);
    // Buying the unregistered token (tokenOut) through an allowlisted router.
    const swapToScam = call(w.uniswap.swapRouter, ROUTER.encodeFunctionData("exactInputSingle", [{
      tokenIn: w.tokens.USDC, tokenOut: scamAddr, fee: 3000, recipient: safe, deadline: FAR_DEADLINE, amountIn: units("USDC", 1_000), amountOutMinimum: 0n, sqrtPriceLimitX96: 0n,
    }]));
    await expectRefused(g, () => agentExec(g, [approve(w.tokens.USDC, w.uniswap.swapRouter, units("USDC", 1_000)), swapToScam]), g.policy, "TokenNotRegistered", [scamAddr]);
    // YT and SY are Pendle tokens, but not registered holdings.
    await expectRefused(g, () => agentExec(g, [approve(w.pendle.yt, w.pendle.router, 1n)]), g.policy, "TokenNotRegistered", [w.pendle.yt]);
    // Unlisted selectors on known contracts: borrowing on Aave, transferFrom, unwrapping WETH.
    const borrow = call(w.aave.pool, AAVE.encodeFunctionData("borrow", [w.tokens.USDC, units("USDC", 10_000), 2, 0, safe]));
    await expectRefused(g, () => agentExec(g, [borrow]), g.policy, "TargetNotAllowed", [w.aave.pool, borrow.data.slice(0, 10)]);
    const tf = call(w.tokens.USDC, ERC20.encodeFunctionData("transferFrom", [safe, outsider, 1n]));
    await expectRefused(g, () => agentExec(g, [tf]), g.policy, "TargetNotAllowed", [w.tokens.USDC, tf.data.slice(0, 10)]);
    const unwrap = call(w.tokens.WETH, IFACE.weth9.encodeFunctionData("withdraw", [1n]));
    await expectRefused(g, () => agentExec(g, [unwrap]), g.policy, "TargetNotAllowed", [w.tokens.WETH, unwrap.data.slice(0, 10)]);
    // Calling the attacker's own address with calldata.
    await expectRefused(g, () => agentExec(g, [call(outsider, "0x12345678")]), g.policy, "TargetNotAllowed", [outsider, "0x12345678"]);
  });

  it("a zero-minimum swap through a manipulated pool is refused by the outcome check (NavLoss); a real minimum stops it in the pool", async () => {
    const w = g.world;
    // The attacker pushes WETH/USDC to $2,000 while every feed still says $3,000.
    await arbitragePool(w, "WETH_USDC", 2_000, { tolerance: 1e-3 });
    const nav0: bigint = await g.valuation.nav();
    const minNav = (nav0 * 9_900n) / 10_000n;
    const amountIn = units("WETH", 30_000); // 10 WETH
    await expectRefused(g, () => agentExec(g, uniSwap(g, "WETH", "USDC", amountIn, 0n)), g.valuation, "NavLoss", [
      nav0,
      (x: bigint) => x < minNav && x > (nav0 * 95n) / 100n,
      0n,
      minNav,
    ]);
    // With an oracle-based minimum (1% slippage) the swap itself reverts inside the router.
    const minOut = (units("USDC", 30_000) * 99n) / 100n;
    await expectRefused(g, () => agentExec(g, uniSwap(g, "WETH", "USDC", amountIn, minOut)), g.module, "CallFailed", [1n, anyValue]);
    // Once the pool is back at the oracle price, the zero-minimum swap is within the loss limit and passes.
    await arbitragePool(w, "WETH_USDC");
    const rc = (await (await agentExec(g, uniSwap(g, "WETH", "USDC", amountIn, 0n))).wait())!;
    const ev = agentExecuted(g, rc);
    expect(ev.navAfter).to.be.gte(minNav);
    expect(ev.sizeUsd).to.be.closeTo(usd18(30_000), usd18(0.01));
  });

  it("buying volatile beyond the 40% cap is refused (VolatileCapExceeded); buying within it passes", async () => {
    const [volBps0] = await g.valuation.allocation();
    expect(volBps0).to.equal(2_999n); // $120k of $400k (floor rounding)
    const usdcIn = units("USDC", 45_000);
    const minOut = (units("WETH", 45_000) * 98n) / 100n;
    await expectRefused(g, () => agentExec(g, uniSwap(g, "USDC", "WETH", usdcIn, minOut)), g.valuation, "VolatileCapExceeded", [
      volBps0,
      (x: bigint) => x > 4_000n && x < 4_200n,
      4_000n,
    ]);
    // $35k keeps volatile at ~38.7%: allowed.
    await (await agentExec(g, uniSwap(g, "USDC", "WETH", units("USDC", 35_000), (units("WETH", 35_000) * 98n) / 100n))).wait();
    const [volBps1] = await g.valuation.allocation();
    expect(volBps1).to.be.within(3_800n, 4_000n);
    // And now even $10k more WETH breaks the cap.
    await expectRefused(
      g,
      () => agentExec(g, uniSwap(g, "USDC", "WETH", units("USDC", 10_000), (units("WETH", 10_000) * 98n) / 100n)),
      g.valuation,
      "VolatileCapExceeded",
      [volBps1, (x: bigint) => x > 4_000n, 4_000n],
    );
  });

  for (const how of ["stale", "zero", "negative"] as const) {
    it(`${how} WETH feed: agent swaps and supplies are refused (DeriskOnly); an Aave withdrawal to the Safe passes unchecked`, async () => {
      const w = g.world;
      await (await agentExec(g, aaveSupply(g, "USDC", units("USDC", 20_000)))).wait();
      const used0: bigint = await g.module.usedLast24h();
      await breakWethFeed(g, how);
      await expect(g.valuation.nav()).to.be.revertedWithCustomError(g.valuation, "PriceUnavailable").withArgs(w.tokens.WETH);

      await expectRefused(g, () => agentExec(g, uniSwap(g, "WETH", "USDC", units("WETH", 3_000), 0n)), g.policy, "DeriskOnly", [Effect.Derisk]);
      await expectRefused(g, () => agentExec(g, uniSwap(g, "USDC", "WBTC", units("USDC", 3_000), 0n)), g.policy, "DeriskOnly", [Effect.Risk]);
      await expectRefused(g, () => agentExec(g, aaveSupply(g, "DAI", units("DAI", 3_000))), g.policy, "DeriskOnly", [Effect.Risk]);
      await expectRefused(g, () => agentExec(g, vaultDeposit(g, "sDAI", units("DAI", 3_000))), g.policy, "DeriskOnly", [Effect.Risk]);
      // A withdrawal bundled with a swap takes the riskiest effect of the batch.
      await expectRefused(
        g,
        () => agentExec(g, [aaveWithdraw(g, "USDC", MaxUint256), ...uniSwap(g, "WETH", "USDC", units("WETH", 3_000), 0n)]),
        g.policy,
        "DeriskOnly",
        [Effect.Derisk],
      );
      // The call rules still apply in de-risk-only mode.
      await expectRefused(g, () => agentExec(g, [aaveWithdraw(g, "USDC", MaxUint256, outsider)]), g.policy, "ReceiverNotSafe", [outsider]);

      const usdc0 = await bal(g, w.tokens.USDC);
      const aUsdc0 = await bal(g, w.aave.aTokens.USDC);
      const rc = (await (await agentExec(g, [aaveWithdraw(g, "USDC", MaxUint256)], "exit while blind")).wait())!;
      const ev = agentExecuted(g, rc);
      expect(ev.outcomeChecked).to.equal(false);
      expect(ev.sizeUsd).to.equal(0n);
      expect(await bal(g, w.aave.aTokens.USDC)).to.equal(0n);
      expect(await bal(g, w.tokens.USDC)).to.be.gte(usdc0 + aUsdc0);
      expect(await g.module.usedLast24h()).to.equal(used0);
    });
  }

  it("dead WETH feed: the agent cannot sell Pendle PT blind (DeriskOnly); the owners still can", async () => {
    const w = g.world;
    await ownersExec(g, pendleBuy(g, units("USDC", 20_000)));
    const ptBal = await bal(g, w.pendle.pt);
    expect(ptBal).to.be.greaterThan(0n);
    await breakWethFeed(g, "zero");
    // A market sale with no minimum and no price to check the outcome against: refused for the agent.
    await expectRefused(g, () => agentExec(g, pendleSell(g, ptBal, 0n)), g.policy, "DeriskOnly", [Effect.Derisk]);
    // The owners may still de-risk without prices (their signatures are the check).
    const usdc0 = await bal(g, w.tokens.USDC);
    await ownersExec(g, pendleSell(g, ptBal, units("USDC", 19_000)));
    expect(await bal(g, w.pendle.pt)).to.equal(0n);
    expect(await bal(g, w.tokens.USDC)).to.be.greaterThan(usdc0 + units("USDC", 19_000));
  });
});

describe("AgentModule: emergency exit", () => {
  let g: GuardedWorld;
  let safe: string;
  beforeEach(async () => {
    g = await loadFixture(guardedWorldFixture);
    safe = g.world.treasury.safe;
  });

  async function exitBy(s: Signer): Promise<TransactionReceipt> {
    return (await (await g.module.connect(s).emergencyExit()).wait())!;
  }
  function exited(rc: TransactionReceipt) {
    const evs = eventsOf(rc, g.addresses.module, g.module.interface as unknown as Interface, "PositionExited");
    return Object.fromEntries(evs.map((e) => [e.args.token as string, { success: e.args.success as boolean, before: e.args.balanceBefore as bigint, after: e.args.balanceAfter as bigint }]));
  }

  it("a guardian unwinds Aave (USDC, WETH), both vaults and reports Pendle PT before maturity; after maturity a second exit redeems the PT", async () => {
    const w = g.world;
    const amounts = await ownersOpenEveryPosition(g);
    const pos = {
      aUSDC: await bal(g, w.aave.aTokens.USDC),
      aWETH: await bal(g, w.aave.aTokens.WETH),
      scrvUSD: await bal(g, w.erc4626.scrvUSD),
      sDAI: await bal(g, w.erc4626.sDAI),
      PT: await bal(g, w.pendle.pt),
    };
    for (const [k, v] of Object.entries(pos)) expect(v, k).to.be.greaterThan(0n);
    const spot0 = { USDC: await bal(g, w.tokens.USDC), DAI: await bal(g, w.tokens.DAI), WETH: await bal(g, w.tokens.WETH) };

    const guardianAddr = await g.guardian.getAddress();
    const tx = g.module.connect(g.guardian).emergencyExit();
    await expect(tx).to.emit(g.module, "EmergencyExitStarted").withArgs(guardianAddr);
    const rc = (await (await tx).wait())!;
    expect(await g.policy.paused()).to.equal(true);
    const ev = exited(rc);
    expect(Object.keys(ev)).to.have.members([w.aave.aTokens.USDC, w.aave.aTokens.WETH, w.erc4626.scrvUSD, w.erc4626.sDAI, w.pendle.pt]);
    for (const t of [w.aave.aTokens.USDC, w.aave.aTokens.WETH, w.erc4626.scrvUSD, w.erc4626.sDAI]) {
      expect(ev[t].success, t).to.equal(true);
      expect(ev[t].after, t).to.equal(0n);
      expect(await bal(g, t), t).to.equal(0n);
    }
    expect(ev[w.aave.aTokens.USDC].before).to.be.gte(pos.aUSDC);
    expect(ev[w.erc4626.sDAI].before).to.equal(pos.sDAI);
    expect(ev[w.pendle.pt]).to.deep.equal({ success: false, before: pos.PT, after: pos.PT });
    expect(await bal(g, w.pendle.pt)).to.equal(pos.PT);

    // Everything is back as underlying, exactly as the protocols paid it out.
    const aaveWithdrawn = eventsOf(rc, w.aave.pool, AAVE, "Withdraw");
    const vaultOut = (v: string) => eventsOf(rc, v, VAULT, "Withdraw")[0].args.assets as bigint;
    const aaveOut = (sym: TokenSymbol) => aaveWithdrawn.find((e) => e.args.reserve === w.tokens[sym] && e.args.to === safe)!.args.amount as bigint;
    expect(await bal(g, w.tokens.USDC)).to.equal(spot0.USDC + aaveOut("USDC") + vaultOut(w.erc4626.scrvUSD));
    expect(await bal(g, w.tokens.DAI)).to.equal(spot0.DAI + vaultOut(w.erc4626.sDAI));
    expect(await bal(g, w.tokens.WETH)).to.equal(spot0.WETH + aaveOut("WETH"));
    expect(aaveOut("USDC")).to.be.gte(amounts.aaveUsdc - 1n);
    expect(aaveOut("WETH")).to.be.gte(amounts.aaveWeth - 1n);
    expect(vaultOut(w.erc4626.scrvUSD)).to.be.gte(amounts.scrvUSD - 2n);
    expect(vaultOut(w.erc4626.sDAI)).to.be.gte(amounts.sDAI - 2n);
    await expectRefused(g, () => agentExec(g, aaveSupply(g, "USDC", units("USDC", 1_000))), g.policy, "AgentPaused", []);

    // After maturity, a second exit (here by an owner's own key) redeems the PT to USDC.
    const now = await latestTimestamp(g);
    await advanceTime(w, w.pendle.expiry - now + 1);
    const usdc1 = await bal(g, w.tokens.USDC);
    const rc2 = await exitBy(w.signers.owners[1]);
    const ev2 = exited(rc2);
    expect(Object.keys(ev2)).to.deep.equal([w.pendle.pt]);
    expect(ev2[w.pendle.pt]).to.deep.equal({ success: true, before: pos.PT, after: 0n });
    const got = (await bal(g, w.tokens.USDC)) - usdc1;
    expect(got).to.be.within(pos.PT - 10n, pos.PT + pos.PT / 10_000n); // 1 PT = 1 USDC of vault assets at maturity
    expect(got).to.be.greaterThan(amounts.pt);
    expect(await erc20(g, w.tokens.USDC).allowance(safe, w.pendle.router)).to.equal(0n);
    expect(await g.policy.paused()).to.equal(true);
  });

  it("works while paused and with EVERY feed dead (answers 0): positions come back; matured PT is redeemed without prices", async () => {
    const w = g.world;
    await ownersOpenEveryPosition(g);
    const ptBal = await bal(g, w.pendle.pt);
    await (await g.policy.connect(g.guardian).pause()).wait();
    for (const sym of TOKEN_SYMBOLS) await (await feed(g, sym).updateAnswer(0)).wait();
    await expect(g.valuation.nav()).to.be.revertedWithCustomError(g.valuation, "PriceUnavailable");
    const usdc0 = await bal(g, w.tokens.USDC);

    const rc = await exitBy(w.signers.owners[0]);
    const ev = exited(rc);
    for (const t of [w.aave.aTokens.USDC, w.aave.aTokens.WETH, w.erc4626.scrvUSD, w.erc4626.sDAI]) {
      expect(ev[t].success, t).to.equal(true);
      expect(await bal(g, t), t).to.equal(0n);
    }
    expect(ev[w.pendle.pt].success).to.equal(false);
    expect(await bal(g, w.tokens.USDC)).to.be.gte(usdc0 + units("USDC", 50_000) - 4n);
    expect(await g.policy.paused()).to.equal(true);

    // Maturity with the feeds still dead (and now stale too): the PT is redeemed anyway.
    const now = await latestTimestamp(g);
    await advanceTime(w, w.pendle.expiry - now + 1, { refreshFeeds: false });
    const rc2 = await exitBy(g.guardian);
    expect(exited(rc2)[w.pendle.pt]).to.deep.equal({ success: true, before: ptBal, after: 0n });
    expect(await bal(g, w.pendle.pt)).to.equal(0n);
  });

  it("only guardians may trigger it (NotGuardian): an outsider, the agent, the payee", async () => {
    await ownersOpenEveryPosition(g);
    for (const s of [g.world.signers.outsider, g.agent, g.payee]) {
      await expectRefused(g, () => g.module.connect(s).emergencyExit(), g.policy, "NotGuardian", [await s.getAddress()]);
    }
    expect(await g.policy.paused()).to.equal(false);
  });

  it("Pendle PT is valued at Pendle's TWAP rate (≈ the price paid) and rises towards par as time passes", async () => {
    const w = g.world;
    const paid = units("USDC", 20_000);
    const oracle = new Contract(g.addresses.pendleOracle, ["function getPtToAssetRate(address,uint32) view returns (uint256)"], w.provider);
    await ownersExec(g, pendleBuy(g, paid));
    const ptBal = await bal(g, w.pendle.pt);
    const positions = await g.policy.positions();
    const assetsCount = (await g.lens.getConfig(g.addresses.policy)).assets.length;
    const ptIndex = assetsCount + positions.indexOf(w.pendle.pt);
    const twap = g.settings.pendleTwapSeconds;
    const ptValue = async () => (await g.valuation.snapshot())[4][ptIndex]; // Snapshot.values
    // USDC is $1 with 6 decimals: value (USD 18) = PT * rate / 1e18 * 1e12.
    const expected = async () => ((ptBal * ((await oracle.getPtToAssetRate(w.pendle.market, twap)) as bigint)) / 10n ** 18n) * 10n ** 12n;

    const v0 = await ptValue();
    expect(v0).to.equal(await expected());
    const paidUsd = paid * 10n ** 12n;
    expect(v0).to.be.closeTo(paidUsd, paidUsd / 100n);
    expect(v0, "PT is bought at a discount to par").to.be.lessThan(ptBal * 10n ** 12n);
    const nav0 = await g.valuation.nav();
    expect(nav0).to.equal((await g.valuation.snapshot())[4].reduce((a: bigint, b: bigint) => a + b, 0n));

    await advanceTime(w, 60 * DAY);
    const v1 = await ptValue();
    expect(v1).to.equal(await expected());
    expect(v1).to.be.greaterThan(v0);
    expect(v1).to.be.lessThan(ptBal * 10n ** 12n);

    const now = await latestTimestamp(g);
    await advanceTime(w, w.pendle.expiry - now + 1);
    const v2 = await ptValue();
    expect(v2).to.be.greaterThan(v1);
    expect(v2, "at maturity PT is worth par").to.be.closeTo(ptBal * 10n ** 12n, ptBal * 10n ** 8n);
  });
});
