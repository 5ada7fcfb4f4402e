// Connect to any JSON-RPC node with signers derived from a mnemonic (default: the well-known test
// mnemonic of Hardhat and anvil), in the role order deployWorld expects.
import { HDNodeWallet, JsonRpcProvider, Network, NonceManager, Signer } from "ethers";
import { SIGNER_ROLES } from "./index";

export const TEST_MNEMONIC = "test test test test test test test test test test test junk";

export interface RpcConnection {
  provider: JsonRpcProvider;
  signers: Signer[];
  chainId: number;
}

/**
 * A JsonRpcProvider with the response cache off (ethers v6 otherwise serves identical calls from a
 * 250 ms cache, e.g. a stale "latest" right after a transaction) and fast polling for local nodes.
 * Signers are Wallets wrapped in NonceManager (sequential sends without re-querying nonces).
 */
export async function connectRpc(url: string, opts: { mnemonic?: string; count?: number } = {}): Promise<RpcConnection> {
  const probe = new JsonRpcProvider(url, undefined, { cacheTimeout: -1, staticNetwork: true });
  let chainId: number;
  try {
    chainId = Number(await probe.send("eth_chainId", []));
  } catch (err) {
    throw new Error(`No JSON-RPC node answers at ${url}: ${(err as Error).message}`);
  } finally {
    probe.destroy();
  }
  const provider = new JsonRpcProvider(url, Network.from(chainId), { cacheTimeout: -1, pollingInterval: 100, staticNetwork: true });
  const count = opts.count ?? SIGNER_ROLES.length;
  const signers: Signer[] = [];
  for (let i = 0; i < count; i++) {
    const wallet = HDNodeWallet.fromPhrase(opts.mnemonic ?? TEST_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);
    signers.push(new NonceManager(wallet));
  }
  return { provider, signers, chainId };
}
