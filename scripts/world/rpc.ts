// Connect to any JSON-RPC node with signers derived from a mnemonic (default: the well-known test
// mnemonic of Hardhat and anvil), in the role order deployWorld expects.
import { FetchRequest, HDNodeWallet, JsonRpcProvider, Network, NonceManager, Signer, TransactionRequest, TransactionResponse } from "ethers";
import { withGasMargin } from "../../lib/chain/gas";
import { SIGNER_ROLES } from "./index";

export const TEST_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * NonceManager whose gas limits carry withGasMargin over eth_estimateGas (seen here before the margin:
 * Uniswap NPM.mint and Pendle market.mint, whose gas also depends on the block's second, out of gas
 * about one run in five).
 */
export class MarginNonceManager extends NonceManager {
  async sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    // NonceManager populates through the wrapped signer, so add the margin here, before it does.
    if (tx.gasLimit == null) tx = { ...tx, gasLimit: withGasMargin(await this.signer.estimateGas(tx)) };
    return super.sendTransaction(tx);
  }
}

export interface RpcConnection {
  provider: JsonRpcProvider;
  signers: Signer[];
  chainId: number;
}

/**
 * A JsonRpcProvider with the response cache off (ethers v6 otherwise serves identical calls from a
 * 250 ms cache, e.g. a stale "latest" right after a transaction), no request batching and fast
 * polling for local nodes.
 * Signers are Wallets wrapped in MarginNonceManager (sequential sends without re-querying nonces).
 */
export async function connectRpc(url: string, opts: { mnemonic?: string; count?: number } = {}): Promise<RpcConnection> {
  const probe = new JsonRpcProvider(url, undefined, { cacheTimeout: -1, staticNetwork: true });
  let chainId: number;
  try {
    chainId = Number(await probe.send("eth_chainId", []));
  } catch (err) {
    throw new Error(`No JSON-RPC node answers at ${url}: ${(err as Error).message}`, { cause: err });
  } finally {
    probe.destroy();
  }
  // batchMaxCount 1: send each request at once instead of waiting batchStallTime (10 ms) to batch;
  // deploying is strictly sequential, so batching only added latency (~10 s -> ~2 s for the world).
  // A request the node never answers fails after 60 s (ethers' default: 5 min) with the method named,
  // rather than holding a deploy that long.
  const request = new FetchRequest(url);
  request.timeout = 60_000;
  const provider = new JsonRpcProvider(request, Network.from(chainId), {
    cacheTimeout: -1, pollingInterval: 100, staticNetwork: true, batchMaxCount: 1,
  });
  const count = opts.count ?? SIGNER_ROLES.length;
  const signers: Signer[] = [];
  for (let i = 0; i < count; i++) {
    const wallet = HDNodeWallet.fromPhrase(opts.mnemonic ?? TEST_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);
    signers.push(new MarginNonceManager(wallet));
  }
  return { provider, signers, chainId };
}
