// Step 5 of the cycle: run the exact batch against current chain state with the module active, in
// one eth_call: the agent's address gets the SimulateLens runtime through a state override, so
// AgentModule.execute sees msg.sender = the agent, then the lens reads the valuation after. A
// failing batch comes back as the policy's error name and arguments.
import { randomBytes } from "node:crypto";
import { concat, decodeAbiParameters, decodeFunctionResult, encodeFunctionData, pad, toHex, zeroAddress, type Address, type Hex, type PublicClient, type StateOverride } from "viem";
import { agentModuleAbi, safeAbi, treasuryValuationAbi } from "../../../lib/chain/abi";
import { recordDecision, type Call } from "../../../lib/chain/encode";
import { multiSendCallOnlyTx } from "../../../lib/chain/safe";
import { simulateLensAbi, simulateLensRuntime } from "../../../lib/chain/lens/simulateLens";
import { decodeRevert, decodeRevertParts } from "../../../lib/chain/revert";
import type { Portfolio } from "./types";

const BPS = 10_000n;
/** The module executes each decision hash once: a simulation before the decision has its hash uses a
 * fresh random one, so no hash anyone executed before (zero included) can make it fail. */
const unusedHash = (): Hex => toHex(randomBytes(32));

export interface Headroom {
  /** USD 18 d. left under each limit after the batch (negative = over). */
  autonomyUsd: bigint;
  dailyBudgetUsd: bigint;
  lossBudgetUsd: bigint;
  maxLossUsd: bigint;
  /** Basis points left under each cap after the batch. */
  volatileBps: number;
  protocolBps: Record<Hex, number>;
  positionBps: Record<Address, number>;
}

export type Simulation =
  | { ok: true; navBeforeUsd: bigint; navAfterUsd: bigint; navChangeUsd: bigint; sizeUsd: bigint; valuesAfter: bigint[]; weightsAfterBps: Record<Address, number>; gas: bigint; headroom: Headroom }
  | { ok: false; error: { name: string; args: Record<string, string>; text: string }; revertData: Hex };

type Snap = { healthy: boolean; nav: bigint; volatileValue: bigint; values: readonly bigint[]; protocolValues: readonly bigint[] };

export async function simulateBatch(client: PublicClient, p: Portfolio, calls: Call[], opts: { agent: Address; decisionHash?: Hex; blockNumber?: bigint }): Promise<Simulation> {
  const executeCall = encodeFunctionData({ abi: agentModuleAbi, functionName: "execute", args: [calls.map((c) => ({ to: c.to, value: c.value, data: c.data })), opts.decisionHash ?? unusedHash()] });
  const r = await runLens(client, p, opts.agent, p.policy.module, executeCall, [], opts.blockNumber);
  if (!r.ok) return r;
  const sizeUsd = decodeFunctionResult({ abi: agentModuleAbi, functionName: "execute", data: r.ret }) as bigint;
  return { ok: true, ...summarize(p, r.after, sizeUsd), gas: r.gas };
}

/**
 * The owners' path: the batch (plus the decision receipt when a hash is given) as one Safe
 * transaction through MultiSendCallOnly, executed by `owner` with the Safe's threshold overridden to
 * 1 for this eth_call only (an owner calling execTransaction signs with v = 1), so the guard's
 * checks run exactly as when the signers execute the real proposal. `sizeUsd` is the turnover the
 * valuation measures (the guard meters no budget).
 */
export async function simulateOwnerBatch(client: PublicClient, p: Portfolio, calls: Call[], opts: { owner: Address; decisionHash?: Hex; blockNumber?: bigint }): Promise<Simulation> {
  const all = opts.decisionHash ? [...calls, recordDecision(p.policy.address, opts.decisionHash)] : calls;
  const tx = multiSendCallOnlyTx(p.policy.multiSendCallOnly, all);
  const signature = concat([pad(opts.owner, { size: 32 }), pad("0x00", { size: 32 }), "0x01"]);
  const execCall = encodeFunctionData({ abi: safeAbi, functionName: "execTransaction", args: [tx.to, tx.value, tx.data, tx.operation, 0n, 0n, 0n, zeroAddress, zeroAddress, signature] });
  const threshold1 = [{ slot: pad("0x04", { size: 32 }), value: pad("0x01", { size: 32 }) }];
  const r = await runLens(client, p, opts.owner, p.safe.address, execCall, [{ address: p.safe.address, stateDiff: threshold1 }], opts.blockNumber);
  if (!r.ok) {
    if (!r.error.text.includes("GS013")) return r;
    const inner = await innerRevert(client, p, all, opts.blockNumber);
    return { ...r, error: { ...r.error, args: { ...r.error.args, inner }, text: `${r.error.text}; the inner call: ${inner}` } };
  }
  const before = p.values;
  const sizeUsd = r.after.values.reduce((s, v, i) => (before[i] > v ? s + before[i] - v : s), 0n);
  return { ok: true, ...summarize(p, r.after, sizeUsd), gas: r.gas };
}

/**
 * Why a Safe transaction failed with GS013 (the Safe swallows its inner call's reason, and Safe
 * 1.4.1's MultiSendCallOnly reverts with no data): the batch's calls replayed in order as the Safe
 * (eth_simulateV1: one simulated block, each call from the Safe on the state the previous left), and
 * the first failing one named with its revert decoded (a slippage limit, a protocol's error, ours).
 */
export async function innerRevert(client: PublicClient, p: Portfolio, calls: Call[], blockNumber?: bigint): Promise<string> {
  let results;
  try {
    const [block] = await client.simulateBlocks({
      blocks: [{ calls: calls.map((c) => ({ account: p.safe.address, to: c.to, data: c.data, value: c.value })) }],
      ...(blockNumber === undefined ? {} : { blockNumber }),
    });
    results = block.calls;
  } catch (e) {
    return `not decoded: the node cannot replay the batch call by call (${(e as { shortMessage?: string }).shortMessage ?? (e as Error).message.split("\n")[0]})`;
  }
  const i = results.findIndex((r) => r.status !== "success");
  if (i < 0) return "not reproduced: every call succeeds when replayed as the Safe (the guard's checks around it refused)";
  const data = (results[i] as { data?: Hex }).data;
  const reason = data && data !== "0x" ? decodeRevert(data) : "no revert data";
  return `call ${i} to ${calls[i].to} reverted: ${reason}`;
}

type LensResult = { ok: true; ret: Hex; after: Snap; gas: bigint } | Extract<Simulation, { ok: false }>;

async function runLens(client: PublicClient, p: Portfolio, from: Address, target: Address, callData: Hex, extra: StateOverride, blockNumber?: bigint): Promise<LensResult> {
  const data = encodeFunctionData({ abi: simulateLensAbi, functionName: "run", args: [target, p.policy.valuation, callData] });
  const { data: out } = await client.call({
    to: from,
    data,
    stateOverride: [{ address: from, code: simulateLensRuntime }, ...extra],
    ...(blockNumber === undefined ? {} : { blockNumber }),
  });
  if (!out) throw new Error("simulation: the node returned no data for the lens call (does it support eth_call state overrides?)");
  const [ok, ret, gasUsed, snapBytes] = decodeFunctionResult({ abi: simulateLensAbi, functionName: "run", data: out }) as readonly [boolean, Hex, bigint, Hex];
  if (!ok) {
    const parts = decodeRevertParts(ret);
    return { ok: false, error: parts ?? { name: "Unknown", args: { data: ret }, text: `unrecognised revert ${ret.slice(0, 10)}` }, revertData: ret };
  }
  const snapOutputs = treasuryValuationAbi.find((x) => x.type === "function" && x.name === "snapshot")!.outputs;
  const [after] = decodeAbiParameters(snapOutputs, snapBytes) as unknown as [Snap];
  // Intrinsic gas on top of what the call used: 21k plus calldata at the non-zero byte price (an upper bound).
  return { ok: true, ret, after, gas: gasUsed + 21_000n + 16n * BigInt((callData.length - 2) / 2) };
}

function summarize(p: Portfolio, after: Snap, sizeUsd: bigint) {
  const nA = p.assets.length;
  const tokens = [...p.assets.map((a) => a.token), ...p.positions.map((x) => x.token)];
  const navA = after.nav;
  const bps = (v: bigint) => (navA === 0n ? 0 : Number((v * BPS) / navA));
  const weightsAfterBps: Record<Address, number> = {};
  tokens.forEach((t, i) => (weightsAfterBps[t] = bps(after.values[i] ?? 0n)));
  const { limits, caps } = p.policy;
  const loss = p.navUsd > navA ? p.navUsd - navA : 0n;
  const protocolBps: Record<Hex, number> = {};
  p.policy.protocols.forEach((id, i) => (protocolBps[id] = caps.maxProtocolBps - bps(after.protocolValues[i] ?? 0n)));
  const positionBps: Record<Address, number> = {};
  tokens.forEach((t, i) => {
    if (i < nA && !p.policy.assets[i].volatile) return;
    positionBps[t] = caps.maxPositionBps - bps(after.values[i] ?? 0n);
  });
  const headroom: Headroom = {
    autonomyUsd: limits.autonomyLimitUsd - sizeUsd,
    dailyBudgetUsd: limits.dailyBudgetUsd - p.budget.usedUsd - sizeUsd,
    lossBudgetUsd: (p.navUsd * BigInt(limits.maxLossBps) * 2n) / BPS - p.budget.lossUsd - loss,
    maxLossUsd: navA - (p.navUsd * (BPS - BigInt(limits.maxLossBps))) / BPS,
    volatileBps: caps.maxVolatileBps - bps(after.volatileValue),
    protocolBps,
    positionBps,
  };
  return { navBeforeUsd: p.navUsd, navAfterUsd: navA, navChangeUsd: navA - p.navUsd, sizeUsd, valuesAfter: [...after.values], weightsAfterBps, headroom };
}
