// Gas benchmark of the guardrails (a benchmark, not a test: it reports numbers and asserts nothing
// about them). `npm run bench:gas` deploys the local world in-process (as test/helpers/guarded.ts
// does), measures, prints a table and writes bench/gas.json.
//
//  1. Owner transaction: approve + Aave supply of 10,000 USDC as one MultiSendCallOnly batch, 2 owner
//     signatures, on the bare Safe and with the TreasuryGuard attached (first and second supply).
//  2. Agent batch: the same two calls through AgentModule.execute and through BareModule.execute.
//  3. TreasuryValuation.nav() with 1, 2, 4 and 8 priced assets held.
//  4. Where the guard's and the module's gas goes: call tree from debug_traceTransaction, and
//     cold stand-alone estimates of the view calls involved.
//
// Every scenario starts from the same EVM snapshot (evm_snapshot / evm_revert) and its transactions
// are mined at the same timestamps (evm_setNextBlockTimestamp), so the compared transactions see
// identical state, identical Aave index math and byte-identical calldata.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { Contract, Interface, Signer, TransactionReceipt, ZeroAddress, getAddress, getBytes, parseUnits } from "ethers";
import {
  ABI,
  World,
  advanceTime,
  buildSafeTx,
  deployWorld,
  executeSafeTx,
  multiSendCallOnlyTx,
  signSafeTx,
  worldToDeploymentJson,
  type MetaTx,
} from "../world";
import { createSafe } from "../world/safe";
import { deployGuardrails, GuardrailAddresses } from "../guardrails/deploy";
import { parseGuardrailSettings } from "../guardrails/settings";
import { Actor, AssetClass, InitConfig, usd18 } from "../guardrails/config";
import { GUARDED_TREASURY_USD } from "../../test/helpers/guarded";
import {
  BareModule__factory,
  MockV3Aggregator__factory,
  TestERC20__factory,
  TreasuryPolicy__factory,
  TreasuryValuation__factory,
  TreasuryValuation,
} from "../../typechain-types";
import { analyzeTrace, ColdAccess, coldAccessesIn, coldAccessTable, Frame, framesAt, frameTree, labeledSegments, RawTrace } from "./trace";
import type { Address } from "viem";
import { aaveSupply, approve } from "../../lib/chain/encode";
import { IFACE } from "../../test/helpers/interfaces";
import { APPROX_DEFAULT, EMPTY_LIMIT, FAR_DEADLINE, pendleTokenInput } from "../world";

const OUT_FILE = path.resolve(__dirname, "..", "..", "bench", "gas.json");
/** The figures of the policy before v2 (issue 8), kept for the side by side. */
const V1_FILE = path.resolve(__dirname, "..", "..", "bench", "gas.v1.json");
const SUPPLY_USDC = "10000";
const GAS_LIMIT = 3_000_000n;
const BLOCK_SECONDS = 12;
const INTRINSIC = 21_000;
/** Reference value given with the task, NOT measured here. */
const ZODIAC_ROLES_V21 = { overheadGas: 81_000, bareModuleBatchGas: 168_000 };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON-RPC results are untyped
const send = (method: string, params: unknown[] = []): Promise<any> => hre.network.provider.send(method, params);

/** A reusable EVM snapshot (Hardhat snapshots are single-use: re-taken after every revert). */
class Checkpoint {
  private constructor(private id: string, readonly timestamp: number) {}
  static async take(): Promise<Checkpoint> {
    const block = await send("eth_getBlockByNumber", ["latest", false]);
    return new Checkpoint(await send("evm_snapshot"), Number(block.timestamp));
  }
  async restore(): Promise<void> {
    if (!(await send("evm_revert", [this.id]))) throw new Error("evm_revert failed");
    this.id = await send("evm_snapshot");
  }
  /** Mine the next block at this checkpoint's time + n blocks. */
  async atBlock(n: number): Promise<void> {
    await send("evm_setNextBlockTimestamp", [this.timestamp + n * BLOCK_SECONDS]);
  }
}

function calldataGas(data: string): number {
  let g = 0;
  for (const b of getBytes(data)) g += b === 0 ? 4 : 16;
  return g;
}

const fmt = (n: number | bigint): string => Number(n).toLocaleString("en-US");
const pct = (part: number, whole: number): number => Math.round((part / whole) * 1000) / 10;

interface Bench {
  world: World;
  g: GuardrailAddresses;
  bare: string;
  quorum: Signer[];
  executor: Signer;
  agent: Signer;
  names: Map<string, string>;
  calls: MetaTx[];
  chainId: bigint;
}

// ---------------------------------------------------------------------------------------- setup
async function setup(): Promise<{ b: Bench; base: Checkpoint }> {
  const signers = await hre.ethers.getSigners();
  // Same world and guardrail settings as test/helpers/guarded.ts (guardian signers[7], payee signers[8]).
  const world = await deployWorld(signers, { treasuryUsd: GUARDED_TREASURY_USD });
  const settings = parseGuardrailSettings({
    agents: [world.accounts.agent],
    guardians: [await signers[7].getAddress()],
    payees: [await signers[8].getAddress()],
  });
  const { addresses: g } = await deployGuardrails(world.signers.deployer, worldToDeploymentJson(world, "hardhat"), settings);
  const bareC = await new BareModule__factory(world.signers.deployer).deploy(world.treasury.safe, world.accounts.agent);
  await bareC.waitForDeployment();
  const bare = await bareC.getAddress();
  const quorum = world.signers.owners.slice(0, 2);
  // Both modules are enabled before the guard is attached (a Safe configuration change with the guard
  // on would need the policy's timelock); the guard is attached per scenario below.
  const safeIface = new Interface(["function enableModule(address)"]);
  await executeSafeTx({
    safe: world.treasury.safe,
    owners: quorum,
    infra: world.safe,
    label: "enable AgentModule + BareModule",
    tx: [g.module, bare].map((m) => ({ to: world.treasury.safe, data: safeIface.encodeFunctionData("enableModule", [m]) })),
  });
  // As the fixture: an hour of Pendle TWAP history, feeds re-posted.
  await advanceTime(world, 3600);

  const amount = parseUnits(SUPPLY_USDC, world.decimals.USDC);
  const calls: MetaTx[] = [
    approve(world.tokens.USDC as Address, world.aave.pool as Address, amount),
    aaveSupply(world.aave.pool as Address, world.tokens.USDC as Address, amount, world.treasury.safe as Address),
  ];
  const names = await addressNames(world, g, bare);
  const chainId = (await world.provider.getNetwork()).chainId;
  const b: Bench = { world, g, bare, quorum, executor: quorum[0], agent: world.signers.agent, names, calls, chainId };
  return { b, base: await Checkpoint.take() };
}

async function addressNames(world: World, g: GuardrailAddresses, bare: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  const put = (a: string | undefined, n: string) => {
    if (a && a !== ZeroAddress) m.set(a.toLowerCase(), n);
  };
  put(world.treasury.safe, "Safe (proxy)");
  put(world.safe.safeL2, "SafeL2 (singleton)");
  put(world.safe.multiSendCallOnly, "MultiSendCallOnly");
  put(world.safe.fallbackHandler, "CompatibilityFallbackHandler");
  for (const [s, a] of Object.entries(world.tokens)) put(a, s);
  for (const [s, a] of Object.entries(world.feeds)) put(a, `${s}/USD feed`);
  for (const [s, a] of Object.entries(world.aave.aTokens)) put(a, `a${s} (proxy)`);
  for (const [s, a] of Object.entries(world.aave.variableDebtTokens)) put(a, `variableDebt${s} (proxy)`);
  put(world.aave.pool, "Aave Pool (proxy)");
  put(world.aave.oracle, "AaveOracle");
  put(world.aave.poolAddressesProvider, "Aave PoolAddressesProvider");
  put(world.aave.aclManager, "Aave ACLManager");
  for (const [k, a] of Object.entries(world.erc4626)) put(a, `${k} vault`);
  put(world.pendle.router, "Pendle router");
  put(world.pendle.market, "Pendle market");
  put(world.pendle.pt, "Pendle PT");
  put(g.policy, "TreasuryPolicy");
  put(g.valuation, "TreasuryValuation");
  put(g.guard, "TreasuryGuard");
  put(g.module, "AgentModule");
  put(g.pendleOracle, "PendlePYLpOracle");
  put(bare, "BareModule");
  put(g.lens, "TreasuryPolicyLens");
  for (const [k, n] of [
    ["aaveATokenAdapter", "AaveATokenAdapter"], ["aaveDebtAdapter", "AaveDebtAdapter"], ["erc4626Adapter", "ERC4626Adapter"], ["pendlePTAdapter", "PendlePTAdapter"],
    ["ruleAaveV3", "AaveV3Rule"], ["ruleErc4626", "ERC4626Rule"], ["ruleUniswapV3", "UniswapV3Rule"], ["rulePendle", "PendleRule"], ["ruleErc20", "ERC20Rule"], ["ruleCow", "CowSwapRule"],
  ] as const) put(g[k], n);
  const registry: string = await new Contract(g.policy, ["function registry() view returns (address)"], world.provider).registry();
  put(registry, "registry (SSTORE2 data)");
  // EIP-1967 implementations behind the Aave proxies (pool, a/debt tokens share one impl each).
  const IMPL = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
  for (const [proxy, n] of [[world.aave.pool, "Aave Pool impl"], [world.aave.aTokens.USDC, "AToken impl"], [world.aave.variableDebtTokens.USDC, "VariableDebtToken impl"]] as const) {
    const word: string = await world.provider.getStorage(proxy, IMPL);
    put(getAddress("0x" + word.slice(-40)), n);
  }
  return m;
}

// ---------------------------------------------------------------------------------------- measuring
interface Measured {
  receipt: TransactionReceipt;
  gasUsed: number;
  calldataGas: number;
  frame: Frame;
  /** Execution gas before the EIP-3529 refund (intrinsic + every opcode). */
  preRefund: number;
  refund: number;
}

async function traced(b: Bench, receipt: TransactionReceipt, to: string): Promise<Measured> {
  if (receipt.status !== 1) throw new Error(`transaction ${receipt.hash} reverted`);
  const tx = (await b.world.provider.getTransaction(receipt.hash))!;
  const block = await send("eth_getBlockByNumber", [`0x${receipt.blockNumber.toString(16)}`, false]);
  const raw = (await send("debug_traceTransaction", [receipt.hash, { disableMemory: true, disableStorage: true }])) as RawTrace;
  if (raw.failed) throw new Error(`trace of ${receipt.hash} failed`);
  const frame = analyzeTrace(raw, { address: to, name: b.names.get(to.toLowerCase()) }, [tx.from, to, block.miner], b.names);
  const cd = calldataGas(tx.data);
  const gasUsed = Number(receipt.gasUsed);
  const preRefund = INTRINSIC + cd + frame.used;
  return { receipt, gasUsed, calldataGas: cd, frame, preRefund, refund: preRefund - gasUsed };
}

/** The approve + supply batch as an owner-signed Safe transaction (2 signatures), executed by owner1. */
async function ownerBatch(b: Bench): Promise<Measured> {
  const safe = b.world.treasury.safe;
  const meta = multiSendCallOnlyTx(b.world.safe.multiSendCallOnly, b.calls);
  const safeTx = await buildSafeTx(safe, b.executor, meta);
  const signatures = await signSafeTx(safe, b.chainId, safeTx, b.quorum);
  const safeC = new Contract(safe, ABI.safe(), b.executor);
  const resp = await safeC.execTransaction(
    safeTx.to, safeTx.value, safeTx.data, safeTx.operation, safeTx.safeTxGas, safeTx.baseGas, safeTx.gasPrice,
    safeTx.gasToken, safeTx.refundReceiver, signatures, { gasLimit: GAS_LIMIT },
  );
  const receipt: TransactionReceipt = (await resp.wait())!;
  const ok = receipt.logs.some((l) => l.address === getAddress(safe) && l.topics[0] === safeC.interface.getEvent("ExecutionSuccess")!.topicHash);
  if (!ok) throw new Error("owner batch: no ExecutionSuccess");
  return traced(b, receipt, safe);
}

/** The same two calls through a module's execute(Call[], bytes32), sent by the agent key. Each batch
 * carries its own decision hash: AgentModule executes a decision once (the mark is part of the cost). */
let moduleBatches = 0;
async function moduleBatch(b: Bench, module: string): Promise<Measured> {
  const iface = new Interface(["function execute((address to, uint256 value, bytes data)[] calls, bytes32 decisionHash)"]);
  const decision = "0x" + (++moduleBatches).toString(16).padStart(64, "0");
  const data = iface.encodeFunctionData("execute", [b.calls.map((c) => [c.to, c.value ?? 0n, c.data ?? "0x"]), decision]);
  const resp = await b.agent.sendTransaction({ to: module, data, gasLimit: GAS_LIMIT });
  const receipt = (await resp.wait())!;
  return traced(b, receipt, module);
}

async function aUsdcBalance(b: Bench): Promise<bigint> {
  return new Contract(b.world.aave.aTokens.USDC, ABI.erc20(), b.world.provider).balanceOf(b.world.treasury.safe);
}

/** Safe self-call setGuard(guard) signed by the quorum (guard = 0 keeps the Safe bare but bumps the nonce the same way). */
async function setGuard(b: Bench, guard: string): Promise<void> {
  const iface = new Interface(["function setGuard(address)"]);
  await executeSafeTx({ safe: b.world.treasury.safe, owners: b.quorum, tx: { to: b.world.treasury.safe, data: iface.encodeFunctionData("setGuard", [guard]) }, label: `setGuard(${guard})` });
}

/** Run `steps` (first supply, second supply) from `cp`, each in its own block at fixed timestamps. */
async function scenario(cp: Checkpoint, prepare: (() => Promise<void>) | null, run: () => Promise<Measured>, check: (m: Measured, i: number) => Promise<void>): Promise<Measured[]> {
  await cp.restore();
  let n = 1;
  if (prepare) {
    await cp.atBlock(n++);
    await prepare();
  }
  const out: Measured[] = [];
  for (let i = 0; i < 2; i++) {
    await cp.atBlock(n++);
    const m = await run();
    await check(m, i);
    out.push(m);
  }
  return out;
}

// ---------------------------------------------------------------------------------------- nav()
interface NavPoint {
  registered: number;
  held: number;
  estimateGasMinusIntrinsic: number;
  txExecutionGas: number;
  frame: Frame;
}

async function navBench(b: Bench): Promise<{ points: NavPoint[]; notHeld: NavPoint }> {
  const d = b.world.signers.deployer;
  const me = await d.getAddress();
  const ownersAddr = b.world.treasury.owners;
  // Two extra Safes from the world's factory: one holds all bench tokens, one holds only the first.
  const safeAll = await createSafe(d, b.world.safe, ownersAddr, 2, 9001n);
  const safeOne = await createSafe(d, b.world.safe, ownersAddr, 2, 9002n);
  const decimals = [6, 18, 8, 18, 6, 18, 8, 18];
  const tokens: string[] = [];
  const feeds: string[] = [];
  for (let i = 0; i < 8; i++) {
    const t = await new TestERC20__factory(d).deploy(`Bench token ${i}`, `BT${i}`, decimals[i], me);
    await t.waitForDeployment();
    const f = await new MockV3Aggregator__factory(d).deploy(8, 100_000_000n * BigInt(i + 1)); // $1, $2, ... (8 decimals)
    await f.waitForDeployment();
    tokens.push(await t.getAddress());
    feeds.push(await f.getAddress());
    await (await t.mint(safeAll, parseUnits("1000", decimals[i]))).wait();
    if (i === 0) await (await t.mint(safeOne, parseUnits("1000", decimals[i]))).wait();
    b.names.set(tokens[i].toLowerCase(), `BT${i}`);
    b.names.set(feeds[i].toLowerCase(), `BT${i}/USD feed`);
  }
  const init = (n: number): InitConfig => ({
    assets: tokens.slice(0, n).map((token, i) => ({
      token, feed: feeds[i], maxStaleness: 86_400, assetClass: i % 2 === 0 ? AssetClass.Stable : AssetClass.Volatile,
    })),
    positions: [],
    rules: [],
    spenders: [],
    payees: [],
    agents: [],
    guardians: [],
    caps: { maxVolatileBps: 10_000, maxProtocolBps: 10_000, maxPositionBps: 10_000 },
    limits: { maxLossBps: 100, autonomyLimitUsd: usd18(50_000), dailyBudgetUsd: usd18(150_000), minHealthFactor: 16n * 10n ** 17n },
    delay: 2 * 86_400,
  });
  const measure = async (safe: string, n: number, held: number): Promise<NavPoint> => {
    const policy = await new TreasuryPolicy__factory(d).deploy(safe, b.world.safe.multiSendCallOnly, ZeroAddress, init(n));
    await policy.waitForDeployment();
    const valuation = await new TreasuryValuation__factory(d).deploy(await policy.getAddress());
    await valuation.waitForDeployment();
    const v = await valuation.getAddress();
    const navNames = new Map(b.names);
    navNames.set((await policy.getAddress()).toLowerCase(), "TreasuryPolicy (bench)");
    navNames.set((await policy.registry()).toLowerCase(), "registry (SSTORE2 data)");
    navNames.set(v.toLowerCase(), "TreasuryValuation (bench)");
    const data = valuation.interface.encodeFunctionData("nav");
    const est = Number(await b.world.provider.estimateGas({ from: me, to: v, data }));
    // The same call mined as a transaction: exact gasUsed (no estimation search margin).
    const receipt = (await (await d.sendTransaction({ to: v, data, gasLimit: 1_000_000n })).wait())!;
    const m = await traced({ ...b, names: navNames }, receipt, v);
    const navUsd = await valuation.nav();
    if (navUsd === 0n) throw new Error("nav bench: nav() is zero");
    return { registered: n, held, estimateGasMinusIntrinsic: est - INTRINSIC, txExecutionGas: m.gasUsed - INTRINSIC - m.calldataGas, frame: m.frame };
  };
  const points: NavPoint[] = [];
  for (const n of [1, 2, 4, 8]) points.push(await measure(safeAll, n, n));
  const notHeld = await measure(safeOne, 8, 1);
  return { points, notHeld };
}

// ---------------------------------------------------------------------------------------- breakdown
function one(frames: Frame[], what: string): Frame {
  if (frames.length !== 1) throw new Error(`breakdown: expected exactly one ${what}, found ${frames.length}`);
  return frames[0];
}

function ownerBreakdown(b: Bench, bare: Measured, guarded: Measured) {
  const singleton = b.world.safe.safeL2.toLowerCase();
  const gBare = one(framesAt(bare.frame, singleton), "Safe singleton frame (bare)");
  const gGuard = one(framesAt(guarded.frame, singleton), "Safe singleton frame (guarded)");
  const guardFrames = gGuard.children.filter((c) => c.address === b.g.guard.toLowerCase());
  if (guardFrames.length !== 2) throw new Error(`breakdown: expected 2 guard calls, found ${guardFrames.length}`);
  const [check, after] = guardFrames; // Safe 1.4.1 calls checkTransaction before, checkAfterExecution after
  const ms = b.world.safe.multiSendCallOnly.toLowerCase();
  const msBare = one(gBare.children.filter((c) => c.address === ms), "MultiSendCallOnly (bare)");
  const msGuard = one(gGuard.children.filter((c) => c.address === ms), "MultiSendCallOnly (guarded)");
  const total = guarded.gasUsed - bare.gasUsed;
  const safeSide = gGuard.self - gBare.self; // encoding the guard calls' arguments etc., in the Safe's own code
  const innerDelta = msGuard.inclusive - msBare.inclusive; // the batch itself got cheaper: the guard warmed its accounts/slots
  const refundDelta = bare.refund - guarded.refund;
  const proxyDelta = guarded.frame.self - bare.frame.self + (guarded.frame.children[0].callCost - bare.frame.children[0].callCost);
  const explained = check.inclusive + after.inclusive + safeSide + innerDelta + refundDelta + proxyDelta;
  const policy = b.g.policy.toLowerCase();
  const valuation = b.g.valuation.toLowerCase();
  const pick = (f: Frame, addr: string, i: number) => f.children.filter((c) => c.address === addr)[i];
  const checkPolicy = pick(check, policy, 0);
  const checkSnap = pick(check, valuation, 0);
  const afterSnap = pick(after, valuation, 0);
  const afterOutcome = pick(after, valuation, 1);
  const guardAccount: ColdAccess[] = check.callCost >= 2_600 ? [{ address: b.g.guard.toLowerCase(), kind: "account" }] : [];
  return {
    method:
      "debug_traceTransaction (Hardhat in-process, default struct logger) of the bare and the guarded transaction; call tree rebuilt " +
      "from the opcode trace. 'inclusive' = gas the caller lost across the call (call opcode incl. 2,600 cold / 100 warm account " +
      "access + memory expansion + everything the callee used); 'self' = the frame's own opcodes. Guard calls are identified by address " +
      "and order (Safe 1.4.1 calls checkTransaction before and checkAfterExecution after the execution). SLOAD cold/warm from the " +
      "opcode's gas cost (2,100/100); calls and EXTCODE* cold/warm from the set of addresses touched so far in the transaction.",
    gasUsed: total,
    notes: "guard overhead (guarded - bare gasUsed) split into the guard's two calls and their side effects on the rest of the transaction",
    components: {
      checkTransaction: {
        gasUsed: check.inclusive,
        notes: "guard.checkTransaction as the Safe calls it: policy rule check (rule units) + valuation.begin (snapshot before, kept in the valuation's transient storage)",
        policyCheckTransaction: { gasUsed: checkPolicy?.inclusive ?? 0, ops: checkPolicy?.totalOps },
        snapshotBefore: { gasUsed: checkSnap?.inclusive ?? 0, ops: checkSnap?.totalOps },
        guardOwnCode: { gasUsed: check.self + check.callCost, notes: "guard's own opcodes (TSTORE of the ABI-encoded snapshot, ABI decoding of the results) + cold access to the guard" },
        ops: check.totalOps,
      },
      checkAfterExecution: {
        gasUsed: after.inclusive,
        notes: "guard.checkAfterExecution: valuation.finish (only the tokens the rules listed valued again, outcome checks) + OwnerTransactionChecked event",
        snapshotAfter: { gasUsed: afterSnap?.inclusive ?? 0, ops: afterSnap?.totalOps },
        checkOutcome: { gasUsed: afterOutcome?.inclusive ?? 0, ops: afterOutcome?.totalOps },
        guardOwnCode: { gasUsed: after.self + after.callCost, notes: "TLOAD + abi.decode of the stored snapshot, ABI encoding of the calls, the event" },
        ops: after.totalOps,
      },
      safeSideEncoding: {
        gasUsed: safeSide,
        notes: "extra opcodes in the Safe singleton itself: ABI-encoding the 11 checkTransaction arguments (incl. the batch data and signatures) and the checkAfterExecution call",
      },
      batchWarmingDiscount: {
        gasUsed: innerDelta,
        notes: "the approve + supply batch itself costs this much more (negative: less) with the guard on, because the guard's snapshot already touched USDC, aUSDC and their storage (cold -> warm)",
      },
      refundDelta: { gasUsed: refundDelta + 0, notes: "difference in EIP-3529 refunds (positive = fewer refunds with the guard)" },
      proxyDelta: { gasUsed: proxyDelta, notes: "difference in the Safe proxy frame (should be 0)" },
      unexplained: { gasUsed: total - explained, notes: "should be 0: overhead minus the components above" },
    },
    stateAccess: stateAccess(b, [...guardAccount, ...coldAccessesIn([check, after])], total, innerDelta),
    ownGasSegments: {
      notes: "each frame's own opcodes between its sub-calls (top opcodes by gas); explains the 'self' figures",
      guardCheckTransaction: labeledSegments(check),
      valuationSnapshotBefore: checkSnap ? labeledSegments(checkSnap) : [],
      guardCheckAfterExecution: labeledSegments(after),
      valuationSnapshotAfter: afterSnap ? labeledSegments(afterSnap) : [],
      valuationCheckOutcome: afterOutcome ? labeledSegments(afterOutcome) : [],
      policyCheckTransaction: checkPolicy ? labeledSegments(checkPolicy) : [],
    },
    text: { check: frameTree(check, 4), after: frameTree(after, 4), bareBatch: frameTree(msBare, 3), guardedBatch: frameTree(msGuard, 3) },
  };
}

function agentBreakdown(b: Bench, bare: Measured, agent: Measured) {
  const root = agent.frame;
  const safe = b.world.treasury.safe.toLowerCase();
  const execs = root.children.filter((c) => c.address === safe);
  const bareExecs = bare.frame.children.filter((c) => c.address === safe);
  const sum = (fs: Frame[]) => fs.reduce((s, f) => s + f.inclusive, 0);
  const policy = root.children.filter((c) => c.address === b.g.policy.toLowerCase());
  const valuation = root.children.filter((c) => c.address === b.g.valuation.toLowerCase());
  // AgentModule.execute order: requireActiveAgent, checkTransaction x calls, snapshot, (exec x calls), snapshot, checkOutcome, turnover, limits
  const [requireActiveAgent, ...restPolicy] = policy;
  const checkCalls = restPolicy.slice(0, b.calls.length);
  const limits = restPolicy.slice(b.calls.length);
  const [snapBefore, snapAfter, checkOutcome, turnover] = valuation;
  const total = agent.gasUsed - bare.gasUsed;
  const execDelta = sum(execs) - sum(bareExecs);
  const moduleSelf = root.self - bare.frame.self;
  // The module's own cold accesses (its storage, the accounts it calls) that the bare module does not make.
  const bareOwn = new Set(bare.frame.coldAccesses.map((x) => `${x.kind}:${x.address}`));
  const own = root.coldAccesses.filter((x) => !bareOwn.has(`${x.kind}:${x.address}`));
  return {
    method: "debug_traceTransaction call trees of AgentModule.execute and BareModule.execute (same calldata, same state); see ownerBreakdown.method",
    gasUsed: total,
    notes: "AgentModule overhead (AgentModule - BareModule gasUsed) split by the module's calls and its own code",
    components: {
      requireActiveAgent: { gasUsed: requireActiveAgent?.inclusive ?? 0, ops: requireActiveAgent?.totalOps },
      policyCheckTransaction: { gasUsed: sum(checkCalls), count: checkCalls.length, ops: checkCalls.map((c) => c.totalOps) },
      snapshotBefore: { gasUsed: snapBefore?.inclusive ?? 0, ops: snapBefore?.totalOps },
      snapshotAfter: { gasUsed: snapAfter?.inclusive ?? 0, ops: snapAfter?.totalOps },
      checkOutcome: { gasUsed: checkOutcome?.inclusive ?? 0, ops: checkOutcome?.totalOps },
      turnover: { gasUsed: turnover?.inclusive ?? 0 },
      policyLimits: { gasUsed: sum(limits), count: limits.length },
      moduleOwnCodeDelta: {
        gasUsed: moduleSelf,
        ops: root.selfOps,
        notes: "AgentModule's own opcodes minus BareModule's: budget buckets (SLOAD/SSTORE), AgentExecuted event, ABI work",
      },
      execDelta: {
        gasUsed: execDelta,
        notes: "execTransactionFromModuleReturnData (AgentModule) vs execTransactionFromModule (BareModule), including the warming discount on the protocol calls",
      },
      refundDelta: { gasUsed: bare.refund - agent.refund, notes: "difference in EIP-3529 refunds (positive = fewer refunds with AgentModule)" },
      unexplained: {
        gasUsed: total - (sum(policy) + sum(valuation) + moduleSelf + execDelta - (agent.refund - bare.refund)),
        notes: "should be 0",
      },
    },
    stateAccess: stateAccess(b, [...own, ...coldAccessesIn([...policy, ...valuation])], total, execDelta),
    ownGasSegments: { agentModule: labeledSegments(root), bareModule: labeledSegments(bare.frame) },
    text: { agent: frameTree(root, 3), bare: frameTree(bare.frame, 3) },
  };
}

/**
 * How much of an overhead is EIP-2929 state access (every account and storage slot touched for the
 * first time in the transaction), split into the guardrails' own contracts and the treasury's
 * holdings (tokens, feeds, protocol state read to value them). The holdings part is what valuing
 * every holding before the batch costs in state reads alone, whatever the code around it: the floor
 * under any design that keeps issue 8's guarantee (every holding valued, caps checked, each
 * transaction), less what the batch itself would pay for the accesses it shares with the valuation.
 */
function stateAccess(b: Bench, accesses: ColdAccess[], overhead: number, batchWarming: number) {
  const ours = new Set(
    [b.g.policy, b.g.valuation, b.g.guard, b.g.module, b.g.lens, b.g.aaveATokenAdapter, b.g.aaveDebtAdapter, b.g.erc4626Adapter, b.g.pendlePTAdapter,
      b.g.ruleAaveV3, b.g.ruleErc4626, b.g.ruleUniswapV3, b.g.rulePendle, b.g.ruleErc20, b.g.ruleCow].map((a) => a.toLowerCase()),
  );
  for (const [a, n] of b.names) if (n === "registry (SSTORE2 data)") ours.add(a);
  const label = (a: string) => b.names.get(a) ?? a;
  const guardrails = coldAccessTable(accesses.filter((x) => ours.has(x.address)), label);
  const holdings = coldAccessTable(accesses.filter((x) => !ours.has(x.address)), label);
  const holdingsNet = holdings.gas + batchWarming;
  return {
    notes:
      "EIP-2929 cold accesses inside the guardrails' calls, at their whole cost (2,600 per account, 2,100 per storage slot; SSTORE not included). " +
      "holdings = tokens, feeds and protocol state read to value the treasury; guardrails = our contracts (policy, valuation, rules, adapters, registry, guard/module storage). " +
      "holdingsNet = holdings + the batch-warming discount (the batch's own accesses the valuation made first). " +
      "everythingElse = overhead - guardrails - holdingsNet: our code's computation, memory, ABI, events, transient storage, SSTOREs.",
    guardrails,
    holdings,
    batchWarming,
    holdingsNet,
    everythingElse: overhead - guardrails.gas - holdingsNet,
    goal: { gasUsed: 140_000, leftForAllElseAfterHoldingsNet: 140_000 - holdingsNet },
  };
}

/** Cold, stand-alone estimates of the view calls the guard makes (second method, for comparison). */
async function viewEstimates(b: Bench, guardedFirst: Measured) {
  const p = b.world.provider;
  const from = b.world.accounts.outsider;
  const policy = TreasuryPolicy__factory.connect(b.g.policy, p);
  const valuation: TreasuryValuation = TreasuryValuation__factory.connect(b.g.valuation, p);
  const meta = multiSendCallOnlyTx(b.world.safe.multiSendCallOnly, b.calls);
  const est = async (to: string, data: string, blockTag?: number) => {
    const g = Number(await send("eth_estimateGas", [{ from, to, data }, blockTag === undefined ? "latest" : `0x${blockTag.toString(16)}`]));
    return { gasUsed: g - INTRINSIC, calldataGasIncluded: calldataGas(data) };
  };
  const blk = guardedFirst.receipt.blockNumber;
  const checkData = policy.interface.encodeFunctionData("checkTransaction", [meta.to, 0n, meta.data!, 1, Actor.Owner]);
  const snapData = valuation.interface.encodeFunctionData("snapshot");
  const before = await valuation.snapshot({ blockTag: blk - 1 });
  const afterTx = await valuation.snapshot({ blockTag: blk });
  // checkOutcome(before, after, outflowUsd[, caps]): built from the compiled ABI so the bench follows
  // signature changes; extra arguments are set to the strictest value (CapsMode.Reduce = 2).
  const untyped = new Interface(valuation.interface.fragments);
  const outcomeFn = untyped.getFunction("checkOutcome")!;
  const extra = outcomeFn.inputs.slice(3).map((i) => (i.type === "bool" ? true : i.type === "uint8" ? 2n : 0n));
  const outcomeData = untyped.encodeFunctionData(outcomeFn, [before, afterTx, 0n, ...extra]);
  const navData = valuation.interface.encodeFunctionData("nav");
  return {
    method:
      "eth_estimateGas of each view call on its own (every account and slot cold), minus the 21,000 intrinsic gas; the figure still " +
      "includes the call's calldata gas (given separately). Hardhat's estimate is the smallest gas limit that succeeds, so it can exceed " +
      "the gas actually used by the 1/64 rule. Compare with the in-transaction (partly warm) figures of the trace breakdown.",
    policyCheckTransactionBatch: { ...(await est(b.g.policy, checkData, blk - 1)), notes: "policy.checkTransaction(MultiSendCallOnly, 0, multiSend(approve, supply), DELEGATECALL, Owner)" },
    valuationSnapshotBefore: { ...(await est(b.g.valuation, snapData, blk - 1)), notes: "valuation.snapshot() before the first supply (4 assets held, 0 positions)" },
    valuationSnapshotAfter: { ...(await est(b.g.valuation, snapData, blk)), notes: "valuation.snapshot() after the first supply (4 assets + aUSDC held)" },
    valuationCheckOutcome: { ...(await est(b.g.valuation, outcomeData, blk)), notes: "valuation.checkOutcome(before, after, 0, caps apply) on its own: the calldata carries both snapshots" },
    navGuardedWorld: { ...(await est(b.g.valuation, navData, blk - 1)), notes: "nav() of the guarded world before the supply (4 assets + 7 positions registered, 4 assets held)" },
    navGuardedWorldAfterSupply: { ...(await est(b.g.valuation, navData, blk)), notes: "nav() after the first supply (aUSDC also held: aToken.balanceOf calls the Aave pool)" },
  };
}

// ---------------------------------------------------------------------------------------- main
/**
 * Cost of each call rule (contracts/rules) on one representative call: IRule.check on its own, and
 * the policy's checkTransaction for that single call (dispatch to the rule + the core's own checks).
 * eth_estimateGas - 21,000 (calldata gas included), every access cold.
 */
async function perRuleCost(b: Bench) {
  const w = b.world;
  const safe = w.treasury.safe;
  const from = w.accounts.outsider;
  const ruleIface = new Interface(["function check(address safe, address target, bytes data, address policy) view returns (uint8, address[], (address,address,uint256)[])"]);
  const policyIface = TreasuryPolicy__factory.createInterface();
  const est = async (to: string, data: string) => Number(await send("eth_estimateGas", [{ from, to, data }, "latest"])) - INTRINSIC;
  const usdc = parseUnits("1000", 6);
  const cases: { rule: keyof GuardrailAddresses; name: string; target: string; data: string }[] = [
    { rule: "ruleErc20", name: "ERC20Rule: approve(Aave Pool, 1,000 USDC)", target: w.tokens.USDC, data: IFACE.erc20.encodeFunctionData("approve", [w.aave.pool, usdc]) },
    { rule: "ruleAaveV3", name: "AaveV3Rule: supply(USDC, 1,000, Safe, 0)", target: w.aave.pool, data: IFACE.aavePool.encodeFunctionData("supply", [w.tokens.USDC, usdc, safe, 0]) },
    { rule: "ruleAaveV3", name: "AaveV3Rule: withdraw(USDC, max, Safe)", target: w.aave.pool, data: IFACE.aavePool.encodeFunctionData("withdraw", [w.tokens.USDC, 2n ** 256n - 1n, safe]) },
    { rule: "ruleErc4626", name: "ERC4626Rule: deposit(1,000 USDC, Safe) on scrvUSD", target: w.erc4626.scrvUSD, data: IFACE.erc4626.encodeFunctionData("deposit", [usdc, safe]) },
    {
      rule: "ruleUniswapV3", name: "UniswapV3Rule: exactInputSingle(WETH -> USDC)", target: w.uniswap.swapRouter,
      data: IFACE.swapRouter.encodeFunctionData("exactInputSingle", [{ tokenIn: w.tokens.WETH, tokenOut: w.tokens.USDC, fee: w.uniswap.pools.WETH_USDC.fee, recipient: safe, deadline: FAR_DEADLINE, amountIn: 10n ** 18n, amountOutMinimum: 0n, sqrtPriceLimitX96: 0n }]),
    },
    {
      rule: "rulePendle", name: "PendleRule: swapExactTokenForPt(USDC -> PT)", target: w.pendle.router,
      data: IFACE.pendleRouter.encodeFunctionData("swapExactTokenForPt", [safe, w.pendle.market, 0n, APPROX_DEFAULT, pendleTokenInput(w.tokens.USDC, usdc), EMPTY_LIMIT]),
    },
  ];
  const out: Record<string, { gasUsed: number; ruleCheck: number; policyCheckTransaction: number; notes: string }> = {};
  for (const c of cases) {
    const ruleCheck = await est(b.g[c.rule], ruleIface.encodeFunctionData("check", [safe, c.target, c.data, b.g.policy]));
    const policyCheck = await est(b.g.policy, policyIface.encodeFunctionData("checkTransaction", [c.target, 0n, c.data, 0, Actor.Agent]));
    out[c.name] = { gasUsed: ruleCheck, ruleCheck, policyCheckTransaction: policyCheck, notes: `rule ${c.rule}; policyCheckTransaction = the whole per-call check the module makes` };
  }
  return out;
}

/** The v1 figures (bench/gas.v1.json, measured before issue 8) next to these. */
type Row = { v1: number; v2: number; change: number; changePct: number };
function previousVersion(now: Record<string, { gasUsed: Record<string, number> }>): { notes: string; overhead?: Record<string, Row>; [k: string]: unknown } {
  if (!fs.existsSync(V1_FILE)) return { notes: `no ${path.basename(V1_FILE)}: nothing to compare with` };
  const v1 = JSON.parse(fs.readFileSync(V1_FILE, "utf8"));
  const rows: Record<string, Row> = {};
  for (const k of ["ownerBatchFirstSupply", "ownerBatchSecondSupply", "agentBatchFirstSupply", "agentBatchSecondSupply"]) {
    const a = v1.results[k].gasUsed.overhead as number;
    const b = now[k].gasUsed.overhead;
    rows[k] = { v1: a, v2: b, change: b - a, changePct: pct(b - a, a) };
  }
  return {
    notes: "guardrail overhead (gasUsed over the bare Safe / bare module) on the same approve + supply batch, v1 (before issue 8) vs now",
    v1: { generatedAt: v1.generatedAt, gitCommit: v1.sources?.gitCommit, file: "bench/gas.v1.json" },
    overhead: rows,
    goal: { gasUsed: 140_000, notes: "issue 8 §3 goal: agent and owner batch overhead <= 140k" },
  };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  console.log("gas bench: deploying the local world + guardrails in-process ...");
  const { b, base } = await setup();
  console.log(`  ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const aBefore = await aUsdcBalance(b);
  const amount = parseUnits(SUPPLY_USDC, b.world.decimals.USDC);
  const suppliedCheck = async (_m: Measured, i: number) => {
    const got = (await aUsdcBalance(b)) - aBefore;
    if (got < amount * BigInt(i + 1) - 2n) throw new Error(`supply ${i + 1}: aUSDC grew by ${got}, expected ~${amount * BigInt(i + 1)}`);
  };

  // 1. Owner batch: bare Safe (setGuard(0): same nonce, same blocks) vs guard attached.
  console.log("owner batch: bare Safe ...");
  const ownerBare = await scenario(base, () => setGuard(b, ZeroAddress), () => ownerBatch(b), suppliedCheck);
  console.log("owner batch: with TreasuryGuard ...");
  const ownerGuarded = await scenario(base, () => setGuard(b, b.g.guard), () => ownerBatch(b), async (m, i) => {
    await suppliedCheck(m, i);
    const topic = new Interface(["event OwnerTransactionChecked(bytes32 indexed safeTxHash, bool success, uint256 navBefore, uint256 navAfter, uint256 outflowUsd, bool outcomeChecked)"]).getEvent("OwnerTransactionChecked")!.topicHash;
    if (!m.receipt.logs.some((l) => l.address === getAddress(b.g.guard) && l.topics[0] === topic)) throw new Error("guarded owner batch: the guard did not run");
  });

  // 2. Agent batch: AgentModule vs BareModule, guard attached (modules bypass guards in Safe 1.4.1).
  console.log("agent batch: BareModule ...");
  const modBare = await scenario(base, () => setGuard(b, b.g.guard), () => moduleBatch(b, b.bare), suppliedCheck);
  console.log("agent batch: AgentModule ...");
  const modAgent = await scenario(base, () => setGuard(b, b.g.guard), () => moduleBatch(b, b.g.module), suppliedCheck);

  // 4. Breakdown + stand-alone estimates (on the guarded owner scenario, re-run to have its state).
  const breakdown = ownerBreakdown(b, ownerBare[0], ownerGuarded[0]);
  const breakdown2 = ownerBreakdown(b, ownerBare[1], ownerGuarded[1]);
  const aBreak = agentBreakdown(b, modBare[0], modAgent[0]);
  const aBreak2 = agentBreakdown(b, modBare[1], modAgent[1]);
  await scenario(base, () => setGuard(b, b.g.guard), () => ownerBatch(b), suppliedCheck);
  const views = await viewEstimates(b, ownerGuarded[0]);

  console.log("per-rule cost ...");
  const rulesCost = await perRuleCost(b);

  // 3. nav() scaling (fresh policies; on top of the current state, nothing else is measured after).
  console.log("nav(): 1, 2, 4, 8 priced assets ...");
  const nav = await navBench(b);

  // ------------------------------------------------------------------------------------ report
  const cfg = hre.config.solidity.compilers[0];
  const overrides = hre.config.solidity.overrides;
  const owner = (i: number) => {
    const bare = ownerBare[i];
    const guarded = ownerGuarded[i];
    const over = guarded.gasUsed - bare.gasUsed;
    return {
      gasUsed: { bare: bare.gasUsed, guarded: guarded.gasUsed, overhead: over },
      notes: `${i === 0 ? "FIRST supply: the Safe holds no aUSDC yet" : "SECOND supply of the same asset, next block: aUSDC already held"}. Owner-signed Safe tx (2 signatures), receipt gasUsed.`,
      method: "Same EVM snapshot, same block timestamps, byte-identical calldata (the bare variant executed setGuard(0) where the guarded one executed setGuard(guard), so nonces and signatures match).",
      bare: { gasUsed: bare.gasUsed, notes: "Safe.execTransaction, no guard", refund: bare.refund, calldataGas: bare.calldataGas, txHash: bare.receipt.hash },
      guarded: { gasUsed: guarded.gasUsed, notes: "Safe.execTransaction with TreasuryGuard attached", refund: guarded.refund, calldataGas: guarded.calldataGas, txHash: guarded.receipt.hash },
      overhead: { gasUsed: over, pctOfBare: pct(over, bare.gasUsed), notes: "guarded - bare" },
    };
  };
  const agent = (i: number) => {
    const bare = modBare[i];
    const am = modAgent[i];
    const over = am.gasUsed - bare.gasUsed;
    return {
      gasUsed: { bareModule: bare.gasUsed, agentModule: am.gasUsed, overhead: over },
      notes: `${i === 0 ? "FIRST supply (no aUSDC yet; AgentModule writes its first turnover bucket words 0 -> x)" : "SECOND supply, next block, same hour (aUSDC held; bucket words x -> y)"}. execute(Call[2], bytes32) sent by the agent key, receipt gasUsed.`,
      method: "Same EVM snapshot (guard attached), same block timestamps, byte-identical calldata (BareModule.execute has AgentModule.execute's ABI).",
      bareModule: { gasUsed: bare.gasUsed, notes: "BareModule.execute: execTransactionFromModule per call, no checks", refund: bare.refund, txHash: bare.receipt.hash },
      agentModule: { gasUsed: am.gasUsed, notes: "AgentModule.execute: agent check, per-call policy check, snapshots before/after, outcome check, turnover budget", refund: am.refund, txHash: am.receipt.hash },
      overhead: { gasUsed: over, pctOfBare: pct(over, bare.gasUsed), notes: "agentModule - bareModule" },
    };
  };
  const navPts = nav.points;
  const marginal = navPts.slice(1).map((p, i) => ({
    from: navPts[i].held,
    to: p.held,
    perAssetGas: Math.round((p.txExecutionGas - navPts[i].txExecutionGas) / (p.held - navPts[i].held)),
  }));
  const slope = Math.round((navPts[3].txExecutionGas - navPts[0].txExecutionGas) / (navPts[3].held - navPts[0].held));
  const { method: viewMethod, ...viewEntries } = views;
  const result = {
    generatedAt: new Date().toISOString(),
    chainId: Number(b.chainId),
    hardfork: hre.config.networks.hardhat.hardfork,
    solc: cfg.version,
    optimizer: {
      default: cfg.settings?.optimizer,
      evmVersion: cfg.settings?.evmVersion,
      overrides: Object.fromEntries(Object.entries(overrides).map(([f, c]) => [f, c.settings?.optimizer])),
    },
    tool: { hardhat: require("hardhat/package.json").version, network: "hardhat in-process (EDR)", command: "npm run bench:gas" },
    sources: sourceFingerprint(),
    setup: {
      world: "deployWorld + parseGuardrailSettings + deployGuardrails as test/helpers/guarded.ts (treasury USDC 180k, DAI 100k, WETH 70k, WBTC 50k; 4 assets + 7 positions registered: 4 aTokens, 2 ERC-4626 vaults, 1 Pendle PT)",
      batch: `approve(AavePool, ${SUPPLY_USDC} USDC) + Pool.supply(USDC, ${SUPPLY_USDC} USDC, Safe, 0)`,
      ownerTx: "Safe 1.4.1 (SafeL2) execTransaction, DELEGATECALL to MultiSendCallOnly, 2 EIP-712 owner signatures, executed by owner1, safeTxGas = 0",
      moduleTx: "execute(Call[2], bytes32) sent by the agent key; AgentModule and BareModule (contracts/test/BareModule.sol) enabled on the same Safe before the guard was attached",
      firstVsSecond: "first supply: the Safe holds no aUSDC (aToken balance 0 -> x, Aave sets the collateral bit); second supply: the same asset again in the next block (x -> 2x)",
      determinism: "every scenario reverts to one EVM snapshot (evm_snapshot/evm_revert) and mines its transactions at the same fixed timestamps, 12 s apart; two runs give identical figures",
      gasUsed: "receipt gasUsed (after the EIP-3529 refund; the approve -> transferFrom allowance 0 -> x -> 0 earns the same refund in every variant)",
    },
    results: {
      ownerBatchFirstSupply: owner(0),
      ownerBatchSecondSupply: owner(1),
      agentBatchFirstSupply: agent(0),
      agentBatchSecondSupply: agent(1),
      nav: {
        gasUsed: Object.fromEntries(navPts.map((p) => [`${p.held} assets`, p.estimateGasMinusIntrinsic])),
        notes: `TreasuryValuation.nav() for 1, 2, 4, 8 priced assets held: ~${fmt(slope)} gas per additional held asset.`,
        method:
          "Fresh TreasuryPolicy + TreasuryValuation per point, registering N TestERC20 tokens with MockV3Aggregator feeds (8 decimals; no positions) for a Safe " +
          "holding all of them. gasUsed = eth_estimateGas of nav() MINUS the 21,000 intrinsic gas (it still includes the 64 gas of the 4-byte calldata). " +
          "txExecutionGas = the same call mined as a transaction: receipt gasUsed - 21,000 - calldata gas (exact). A stand-alone call: every access is cold.",
        points: navPts.map((p) => ({ assetsHeld: p.held, assetsRegistered: p.registered, gasUsed: p.estimateGasMinusIntrinsic, txExecutionGas: p.txExecutionGas, notes: `${p.held} priced asset(s) registered and held`, ops: p.frame.totalOps })),
        registered8Held1: { gasUsed: nav.notHeld.estimateGasMinusIntrinsic, txExecutionGas: nav.notHeld.txExecutionGas, notes: "8 assets registered, 1 held: an unheld asset costs its balanceOf (and a bigger registry) but no feed read" },
        marginalPerAsset: { gasUsed: slope, steps: marginal, notes: "txExecutionGas per additional held asset: cold balanceOf (~5.2k) + cold latestRoundData (~11.6k) + larger registry copy/decode + loop" },
        guardedWorld: { gasUsed: views.navGuardedWorld.gasUsed, notes: views.navGuardedWorld.notes },
        guardedWorldAfterSupply: { gasUsed: views.navGuardedWorldAfterSupply.gasUsed, notes: views.navGuardedWorldAfterSupply.notes },
      },
      perRule: {
        gasUsed: Object.fromEntries(Object.entries(rulesCost).map(([k, v]) => [k, v.gasUsed])),
        notes: "IRule.check of each call rule on one representative call, stand-alone (eth_estimateGas - 21,000, cold, calldata gas included); policyCheckTransaction adds the core's dispatch",
        rules: rulesCost,
      },
      previousVersion: previousVersion({ ownerBatchFirstSupply: owner(0), ownerBatchSecondSupply: owner(1), agentBatchFirstSupply: agent(0), agentBatchSecondSupply: agent(1) }),
      guardOverheadBreakdownFirstSupply: stripText(breakdown),
      guardOverheadBreakdownSecondSupply: stripText(breakdown2),
      agentOverheadBreakdownFirstSupply: stripText(aBreak),
      agentOverheadBreakdownSecondSupply: stripText(aBreak2),
      viewCallEstimates: {
        gasUsed: Object.fromEntries(Object.entries(viewEntries).map(([k, v]) => [k, v.gasUsed])),
        notes: "cold, stand-alone cost of each view call the guard makes (second method, for comparison with the in-transaction trace figures)",
        method: viewMethod,
        ...viewEntries,
      },
      reference: {
        gasUsed: ZODIAC_ROLES_V21.overheadGas,
        notes:
          "REFERENCE VALUE, NOT MEASURED BY US: Zodiac Roles v2.1 adds about 81,000 gas to the same approve + supply batch through a module (bare module batch ~168,000), " +
          "figures supplied with the benchmark brief. Roles checks calldata only (permissions, parameter conditions); the guardrails also value the whole treasury before " +
          "and after (NAV loss, allocation caps) and meter the agent's turnover, so the comparison is of different guarantees.",
        zodiacRolesV2_1: { gasUsed: ZODIAC_ROLES_V21.overheadGas, bareModuleBatchGasUsed: ZODIAC_ROLES_V21.bareModuleBatchGas, measuredByUs: false },
        comparison: {
          ourBareModuleBatch: { first: modBare[0].gasUsed, second: modBare[1].gasUsed, reference: ZODIAC_ROLES_V21.bareModuleBatchGas },
          agentModuleOverhead: { first: modAgent[0].gasUsed - modBare[0].gasUsed, second: modAgent[1].gasUsed - modBare[1].gasUsed },
          guardOverhead: { first: ownerGuarded[0].gasUsed - ownerBare[0].gasUsed, second: ownerGuarded[1].gasUsed - ownerBare[1].gasUsed },
          ratioToReference: {
            agentModuleSecond: Math.round(((modAgent[1].gasUsed - modBare[1].gasUsed) / ZODIAC_ROLES_V21.overheadGas) * 10) / 10,
            guardSecond: Math.round(((ownerGuarded[1].gasUsed - ownerBare[1].gasUsed) / ZODIAC_ROLES_V21.overheadGas) * 10) / 10,
          },
          policyCallRulesOnly: {
            gasUsed: breakdown.components.checkTransaction.policyCheckTransaction.gasUsed,
            notes: "the part comparable to Roles (calldata rules only): policy.checkTransaction inside the guarded tx",
          },
        },
      },
    },
  };
  fs.mkdirSync(path.dirname(OUT_FILE), { recursive: true });
  fs.writeFileSync(OUT_FILE, JSON.stringify(result, null, 2) + "\n");

  // ------------------------------------------------------------------------------------ table
  const rows: string[][] = [];
  const cell = (x: number | string) => (typeof x === "number" ? fmt(x) : x);
  const row = (...r: (number | string)[]) => rows.push(r.map(cell));
  for (const [i, label] of [[0, "first supply"], [1, "second supply"]] as const) {
    const o = owner(i);
    row(`owner Safe tx (2 sigs), ${label}`, o.bare.gasUsed, o.guarded.gasUsed, o.overhead.gasUsed, `+${o.overhead.pctOfBare}%`);
  }
  for (const [i, label] of [[0, "first supply"], [1, "second supply"]] as const) {
    const a = agent(i);
    row(`module batch, ${label}`, a.bareModule.gasUsed, a.agentModule.gasUsed, a.overhead.gasUsed, `+${a.overhead.pctOfBare}%`);
  }
  row("Zodiac Roles v2.1 (reference, NOT measured)", `~${fmt(ZODIAC_ROLES_V21.bareModuleBatchGas)}`, `~${fmt(ZODIAC_ROLES_V21.bareModuleBatchGas + ZODIAC_ROLES_V21.overheadGas)}`, `~${fmt(ZODIAC_ROLES_V21.overheadGas)}`, `+${pct(ZODIAC_ROLES_V21.overheadGas, ZODIAC_ROLES_V21.bareModuleBatchGas)}%`);
  const head = ["approve + supply 10,000 USDC (gasUsed)", "bare", "guarded", "overhead", ""];
  const w = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (r: string[]) => r.map((c, k) => (k === 0 ? c.padEnd(w[k]) : c.padStart(w[k]))).join("  ");
  console.log("\n" + line(head));
  console.log(w.map((x) => "-".repeat(x)).join("  "));
  for (const r of rows) console.log(line(r));

  console.log("\nnav()  (eth_estimateGas - 21,000 intrinsic; exact execution gas of the mined call in brackets)");
  for (const p of navPts) console.log(`  ${String(p.held).padStart(2)} asset(s) held        ${fmt(p.estimateGasMinusIntrinsic).padStart(8)}  [${fmt(p.txExecutionGas)}]`);
  console.log(`   8 registered, 1 held   ${fmt(nav.notHeld.estimateGasMinusIntrinsic).padStart(8)}  [${fmt(nav.notHeld.txExecutionGas)}]`);
  console.log(`  marginal per held asset: ${marginal.map((m) => `${m.from}->${m.to}: ${fmt(m.perAssetGas)}`).join(", ")} (slope 1->8: ${fmt(slope)})`);
  console.log(`  guarded world (4 assets + 7 positions registered, 4 held): ${fmt(views.navGuardedWorld.gasUsed)}; after the supply: ${fmt(views.navGuardedWorldAfterSupply.gasUsed)}`);

  for (const [label, br] of [["first", breakdown], ["second", breakdown2]] as const) {
    console.log(`\nwhere the guard overhead goes, ${label} supply: ${fmt(br.gasUsed)}`);
    for (const [k, v] of Object.entries(br.components)) console.log(`  ${k.padEnd(22)} ${fmt((v as { gasUsed: number }).gasUsed).padStart(8)}`);
  }
  for (const [label, br] of [["owner, first", breakdown], ["owner, second", breakdown2], ["agent, first", aBreak], ["agent, second", aBreak2]] as const) {
    const sa = br.stateAccess;
    console.log(`\nstate access (EIP-2929 cold), ${label} supply: holdings ${fmt(sa.holdings.gas)} (net of batch warming ${fmt(sa.holdingsNet)}), guardrail contracts ${fmt(sa.guardrails.gas)}, everything else ${fmt(sa.everythingElse)}`);
  }
  console.log("\n  guard.checkTransaction, first supply (inclusive gas per call):");
  for (const l of breakdown.text.check) console.log("    " + l);
  console.log("  guard.checkAfterExecution, first supply:");
  for (const l of breakdown.text.after) console.log("    " + l);
  for (const [label, br] of [["first", aBreak], ["second", aBreak2]] as const) {
    console.log(`\nwhere the AgentModule overhead goes, ${label} supply: ${fmt(br.gasUsed)}`);
    for (const [k, v] of Object.entries(br.components)) console.log(`  ${k.padEnd(22)} ${fmt((v as { gasUsed: number }).gasUsed).padStart(8)}`);
  }
  console.log("\nper call rule (IRule.check alone / policy.checkTransaction of that one call; cold estimates):");
  for (const [k, v] of Object.entries(rulesCost)) console.log(`  ${k.padEnd(52)} ${fmt(v.ruleCheck).padStart(8)} / ${fmt(v.policyCheckTransaction).padStart(8)}`);
  const prev = previousVersion({ ownerBatchFirstSupply: owner(0), ownerBatchSecondSupply: owner(1), agentBatchFirstSupply: agent(0), agentBatchSecondSupply: agent(1) });
  if (prev.overhead) {
    console.log("\noverhead v1 -> now:");
    for (const [k, v] of Object.entries(prev.overhead)) console.log(`  ${k.padEnd(26)} ${fmt(v.v1).padStart(8)} -> ${fmt(v.v2).padStart(8)}  (${v.change >= 0 ? "+" : ""}${fmt(v.change)}, ${v.changePct}%)`);
  }
  console.log("\nstand-alone view calls (eth_estimateGas - 21,000, all cold, calldata gas included):");
  for (const [k, v] of Object.entries(viewEntries)) console.log(`  ${k.padEnd(28)} ${fmt(v.gasUsed).padStart(8)}`);
  console.log(`\nwrote ${path.relative(process.cwd(), OUT_FILE)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

/** Which contract sources were measured: git commit, whether they differ from it, and a hash of each. */
function sourceFingerprint(): Record<string, unknown> {
  const root = path.resolve(__dirname, "..", "..");
  const files = [
    "TreasuryPolicy.sol", "TreasuryValuation.sol", "TreasuryGuard.sol", "AgentModule.sol", "libraries/PolicyTypes.sol", "test/BareModule.sol",
    "adapters/AaveATokenAdapter.sol", "adapters/AaveDebtAdapter.sol", "adapters/ERC4626Adapter.sol", "adapters/PendlePTAdapter.sol",
  ];
  const sha = (f: string) => createHash("sha256").update(fs.readFileSync(path.join(root, "contracts", f))).digest("hex").slice(0, 16);
  let commit: string | undefined;
  let dirty: string[] | undefined;
  try {
    commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    dirty = execFileSync("git", ["status", "--porcelain", "--", "contracts"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] })
      .toString().split("\n").filter(Boolean).map((l) => l.slice(3));
  } catch {
    // not a git checkout: the hashes below still identify the sources
  }
  return { gitCommit: commit, contractsChangedSinceCommit: dirty, sha256: Object.fromEntries(files.map((f) => [f, sha(f)])) };
}

function stripText<T extends { text: unknown }>(x: T): Omit<T, "text"> & { tree: unknown } {
  const { text, ...rest } = x;
  return { ...rest, tree: text };
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
