// One place that builds protocol-kit and api-kit for a Safe: the RPC, the Safe, the signer key
// (from env/keystore, never logged) and the transaction service (the hosted one with an API key,
// or any self-hosted/local URL ending in /api).
import Safe, { type ContractNetworksConfig } from "@safe-global/protocol-kit";
import SafeApiKit from "@safe-global/api-kit";
import { getAddress, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { firstLine } from "../errors";

export interface SafeClientConfig {
  rpcUrl: string;
  safeAddress: Address;
  chainId: bigint;
  /** Absent: the hosted Safe Transaction Service for chainId (needs apiKey). */
  txServiceUrl?: string;
  apiKey?: string;
  /** Local chains: the Safe contracts' addresses (the bundled registry has no 31337). */
  contractNetworks?: ContractNetworksConfig;
}

export function apiKitFor(cfg: SafeClientConfig): SafeApiKit {
  if (!cfg.txServiceUrl && !cfg.apiKey) throw new Error("no Safe Transaction Service: set its URL (a self-hosted or local service, ending in /api) or an API key for the hosted one (https://developer.safe.global)");
  return new SafeApiKit({ chainId: cfg.chainId, txServiceUrl: cfg.txServiceUrl, apiKey: cfg.apiKey });
}

/** How every failed call to the transaction service begins (the watch loop and the cycle match it: one outage, one alert). */
export const TX_SERVICE_ERROR = "Safe Transaction Service";

/**
 * A call to the transaction service whose failure names the service and the call: api-kit's own
 * error is only the HTTP status text ("Bad Gateway") or the service's message, which says nothing
 * of which service failed.
 */
export async function askTxService<T>(cfg: SafeClientConfig, call: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw txServiceError(cfg, call, e);
  }
}

/** The proposals waiting for the owners of the configured Safe (the service's pending transactions). */
export function pendingTransactions(cfg: SafeClientConfig) {
  return askTxService(cfg, "pending transactions", () => apiKitFor(cfg).getPendingTransactions(getAddress(cfg.safeAddress)));
}

/** The error of a failed call to the transaction service, naming it (the original is its cause; its
 * HTTP status and body, when api-kit gave them, are kept: a 4xx is a refusal, a 5xx may have landed). */
export function txServiceError(cfg: SafeClientConfig, call: string, e: unknown): Error & { statusCode?: number; data?: unknown } {
  const { statusCode: status, data } = (e ?? {}) as { statusCode?: unknown; data?: unknown };
  const err: Error & { statusCode?: number; data?: unknown } = new Error(`${TX_SERVICE_ERROR} (${cfg.txServiceUrl ?? `hosted, chain ${cfg.chainId}`}) ${call}: ${typeof status === "number" ? `HTTP ${status} ` : ""}${firstLine(e)}`, { cause: e });
  if (typeof status === "number") err.statusCode = status;
  // The service's body (api-kit's HttpError.data: the fields it refused and why), as api-kit gave it.
  if (data !== undefined) err.data = data;
  return err;
}

export async function protocolKitFor(cfg: SafeClientConfig, signerKey: Hex): Promise<{ kit: Safe; signer: Address }> {
  const signer = privateKeyToAccount(signerKey).address;
  const kit = await Safe.init({ provider: cfg.rpcUrl, signer: signerKey, safeAddress: getAddress(cfg.safeAddress), contractNetworks: cfg.contractNetworks });
  return { kit, signer };
}

/**
 * The proposal's `origin` (the service keeps ≤ 200 characters): the Safe web app shows `name` as the
 * app that proposed it, so the rationale goes there, cut to fit.
 */
export function originFor(rationale: string, url = ""): string {
  const make = (r: string) => JSON.stringify({ name: r ? `treasury-agent: ${r}` : "treasury-agent", url });
  let r = rationale.replace(/\s+/g, " ").trim();
  while (make(r).length > 200 && r.length) r = r.slice(0, Math.max(0, r.length - Math.max(1, make(r).length - 200)) - 1).trimEnd() + "…";
  return make(r);
}
