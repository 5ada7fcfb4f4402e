// Whether the owners have enabled borrowing (issue 21 §4): Aave `borrow` is not registered by default;
// the owners register it with the timelocked setRule(pool, borrow, AaveV3Rule), and the debt of the
// borrowed asset must be a registered liability position (AaveV3Rule refuses a borrow whose variable
// debt token is not: NAV would count the cash and not the debt). Both, or the agent plans no leverage.
import { getAddress, toFunctionSelector, zeroAddress, type Address, type Hex, type PublicClient } from "viem";
import { aavePoolAbi, treasuryPolicyAbi } from "../../../lib/chain/abi";
import type { Deployment } from "../../../lib/chain/deployments";
import type { Portfolio } from "./types";

export const AAVE_BORROW_SELECTOR: Hex = toFunctionSelector(aavePoolAbi.find((x) => x.type === "function" && x.name === "borrow")!);

export interface Borrowing {
  enabled: boolean;
  /** The call rule registered for (pool, borrow); null: none (borrowing is off). */
  rule: Address | null;
  /** The variable debt token of the borrowed asset, and whether it is a registered liability position. */
  debtToken: Address | null;
  debtRegistered: boolean;
  /** Plain words: why it is off, or that it is on. */
  why: string;
}

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function verdict(rule: Address | null, debtToken: Address | null, debtRegistered: boolean, sym: string): Borrowing {
  const missing = [!rule && "no call rule for the pool's borrow (the owners' timelocked setRule(pool, borrow, AaveV3Rule))", !debtRegistered && `the ${sym} variable debt token ${debtToken ?? "(none in the deployments file)"} is not a registered liability position (timelocked setPosition)`].filter(Boolean);
  return { enabled: missing.length === 0, rule, debtToken, debtRegistered, why: missing.length ? `borrowing ${sym} is not enabled on chain: ${missing.join("; ")}` : `borrowing ${sym} is enabled (rule ${rule})` };
}

/** From the portfolio read (pure): the policy's rules and positions at that block. */
export function borrowingOf(p: Portfolio, d: Deployment, sym = "USDC"): Borrowing {
  const pool = d.aave.pool;
  const r = p.policy.rules.find((x) => eq(x.target, pool) && eq(x.selector, AAVE_BORROW_SELECTOR) && x.kind === "AaveBorrow");
  const debtToken = ((d.aave.variableDebtTokens ?? {}) as Record<string, Address | undefined>)[sym] ?? null;
  const underlying = d.tokens[sym];
  const debtRegistered = !!debtToken && !!underlying && p.policy.positions.some((x) => x.kind === "aaveDebt" && eq(x.token, debtToken) && eq(x.underlying, underlying));
  return verdict(r ? getAddress(r.rule) : null, debtToken ? getAddress(debtToken) : null, debtRegistered, sym);
}

/** Straight from the policy (treasury status): ruleOf(pool, borrow) and positionOf(debt token). */
export async function readBorrowing(client: PublicClient, policy: Address, d: Deployment, sym = "USDC"): Promise<Borrowing> {
  const rule = await client.readContract({ address: policy, abi: treasuryPolicyAbi, functionName: "ruleOf", args: [getAddress(d.aave.pool), AAVE_BORROW_SELECTOR] });
  const debtToken = ((d.aave.variableDebtTokens ?? {}) as Record<string, Address | undefined>)[sym] ?? null;
  let debtRegistered = false;
  if (debtToken) {
    const [kind, underlying] = await client.readContract({ address: policy, abi: treasuryPolicyAbi, functionName: "positionOf", args: [getAddress(debtToken)] });
    debtRegistered = kind === 4 && !!d.tokens[sym] && eq(underlying, d.tokens[sym]!);
  }
  return verdict(rule === zeroAddress ? null : getAddress(rule), debtToken ? getAddress(debtToken) : null, debtRegistered, sym);
}
