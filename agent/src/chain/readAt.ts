// The treasury as the chain holds it, for a verb that has only an RPC URL and a deployments file
// (`treasury signals`): one portfolio read, errors as one line naming the setting to fix.
import { createPublicClient, http, type PublicClient } from "viem";
import { UserError } from "../errors";
import { loadDeployment } from "../cycle/context";
import { readPortfolio } from "./portfolio";
import type { Portfolio } from "./types";

export async function readTreasury(rpcUrl: string, deploymentsFile: string): Promise<Portfolio> {
  const d = loadDeployment(deploymentsFile);
  if (!d.treasury || !d.guardrails) throw new UserError(`deployments file ${deploymentsFile} has no treasury Safe or guardrails; set DEPLOYMENTS_FILE to the file npm start or deploy:guardrails wrote`);
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 15_000 }) }) as PublicClient;
  try {
    return await readPortfolio(client, d);
  } catch (e) {
    const why = ((e as { shortMessage?: string }).shortMessage ?? (e as Error).message).split("\n")[0];
    throw new UserError(`cannot read the treasury at RPC_URL ${rpcUrl}: ${why}; fix RPC_URL / DEPLOYMENTS_FILE, or unset RPC_URL for signals that assume the targets are held`);
  }
}
