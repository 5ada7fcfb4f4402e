// Checks at the start of `once`, `run` and `propose`, before any cycle: the chain answers (a dead RPC
// is a failure, never "already done"), it is the deployment's chain, the agent key is a registered
// agent of the policy, and the proposer (the same key) may propose to the transaction service (an
// owner of the Safe or one of its delegates). A wrong key is found here, not by a refused trade.
import SafeApiKit from "@safe-global/api-kit";
import { getAddress, type Address, type PublicClient } from "viem";
import { UserError } from "../errors";
import { safeAbi, treasuryPolicyAbi } from "../../../lib/chain/abi";
import type { LoadedKey } from "../config";
import type { SafeClientConfig } from "../safe";
import { errorText } from "./errors";

/** The chain or a service did not answer: the cycle cannot run (exit 1, not a user error). */
export class Unreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Unreachable";
  }
}

/** The RPC answers with the deployment's chain id; else one line naming the URL and what to check. */
export async function requireChain(client: PublicClient, rpcUrl: string, chainId: number): Promise<void> {
  let got: number;
  try {
    got = await client.getChainId();
  } catch (e) {
    throw new Unreachable(`the RPC at ${rpcUrl} did not answer (${errorText(e)}): check that the node is running and that RPC_URL points at it (npm start prints the local one)`);
  }
  if (got !== chainId) throw new UserError(`the RPC at ${rpcUrl} is chain ${got}, the deployments file is for chain ${chainId}: set RPC_URL to a node of chain ${chainId}, or DEPLOYMENTS_FILE to the file for chain ${got}`);
}

/** Where the key came from, as the setting a user changes ("AGENT_PRIVATE_KEY", "keystore FILE"). */
const settingOf = (k: LoadedKey) => k.source.replace(/^env /, "");

/** The agent key is one of the policy's agents (`members()`); paused or not is the cycle's business. */
export async function requireRegisteredAgent(client: PublicClient, policy: Address, agent: LoadedKey): Promise<void> {
  const [, , agents] = await client.readContract({ address: policy, abi: treasuryPolicyAbi, functionName: "members" });
  if (agents.some((a) => a.toLowerCase() === agent.address.toLowerCase())) return;
  throw new UserError(
    `the agent key (${settingOf(agent)}, address ${agent.address}) is not a registered agent of the policy ${policy} (agents: ${agents.join(", ") || "none"}): set ${settingOf(agent)} to the key the owners registered, or have the owners register this address (TreasuryPolicy.setAgent, timelocked)`,
  );
}

/**
 * The proposer is an owner of the Safe or a delegate of it in the transaction service (the service
 * refuses proposals from anyone else). `required`: the verb proposes for sure (`propose`), so an
 * unreachable service stops it; otherwise an unreachable service only skips the delegate check.
 */
export async function requireProposer(client: PublicClient, cfg: SafeClientConfig, proposer: LoadedKey, required: boolean): Promise<"owner" | "delegate" | "unchecked"> {
  const owners = await client.readContract({ address: cfg.safeAddress, abi: safeAbi, functionName: "getOwners" });
  if (owners.some((o) => o.toLowerCase() === proposer.address.toLowerCase())) return "owner";
  const where = cfg.txServiceUrl ?? "the hosted Safe Transaction Service";
  let delegates: Address[];
  try {
    const api = new SafeApiKit({ chainId: cfg.chainId, txServiceUrl: cfg.txServiceUrl, apiKey: cfg.apiKey });
    const r = await api.getSafeDelegates({ safeAddress: getAddress(cfg.safeAddress) });
    delegates = r.results.map((d) => getAddress(d.delegate));
  } catch (e) {
    if (!required) return "unchecked";
    throw new Unreachable(`the transaction service at ${where} did not answer (${errorText(e)}): check that it runs and that SAFE_TX_SERVICE_URL points at it (ending in /api)`);
  }
  if (delegates.includes(getAddress(proposer.address))) return "delegate";
  throw new UserError(
    `the proposer key (${settingOf(proposer)}, address ${proposer.address}) is neither an owner of Safe ${cfg.safeAddress} nor its delegate in ${where}: an owner adds it as a delegate (Safe web app → Settings → Delegates), or set ${settingOf(proposer)} to a registered key, or SAFE_TX_SERVICE_URL to the service where it is a delegate`,
  );
}
