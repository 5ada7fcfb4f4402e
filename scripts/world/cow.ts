// Real CoW Protocol on the local world, from the mainnet deployment artifacts of
// @cowprotocol/contracts@1.8.0 (LGPL-3.0): GPv2AllowListAuthentication behind its EIP-1967 proxy
// (initialised with the deployer as manager) and GPv2Settlement, whose constructor creates the
// GPv2VaultRelayer. The Balancer vault is only used for non-ERC-20 balances, which the treasury
// refuses: the settlement gets the mainnet vault's address, with no code here.
// The deployer is the one allow-listed solver: `solveCowOrder` fills a pre-signed order with its own
// tokens through a real `settle`, as a solver on mainnet would (with better routing).
import { Contract, Signer, type Provider } from "ethers";
import { encodeFunctionData, getAddress, type Address } from "viem";
import { aggregatorV3Abi, cowSettleOne, erc20Abi, gpv2AuthenticationAbi, gpv2SettlementAbi, type CowOrder } from "../../lib/chain";
import { npmArtifact } from "./artifacts";
import { confirm, deploy } from "./tx";
import { fundToken, type TokenDeployment } from "./tokens";
import type { TokenSymbol } from "./types";

export interface CowDeployment {
  settlement: string;
  vaultRelayer: string;
  authenticator: string;
  /** The allow-listed local solver (the deployer). */
  solver: string;
}

/** Balancer V2 Vault on mainnet: GPv2Settlement's constructor argument there. */
export const BALANCER_VAULT_MAINNET = "0xBA12222222228d8Ba445958a75a0704d566BF2C8";

const cowArtifact = (name: string) => npmArtifact("@cowprotocol/contracts", `deployments/mainnet/${name}.json`);

export async function deployCow(deployer: Signer): Promise<CowDeployment> {
  const me = await deployer.getAddress();
  const impl = await deploy(deployer, cowArtifact("GPv2AllowListAuthentication_Implementation"), [], {}, "GPv2AllowListAuthentication");
  const init = encodeFunctionData({ abi: [{ type: "function", name: "initializeManager", inputs: [{ name: "manager_", type: "address" }], outputs: [], stateMutability: "nonpayable" }], functionName: "initializeManager", args: [me as Address] });
  const authenticator = await deploy(deployer, cowArtifact("GPv2AllowListAuthentication_Proxy"), [impl, me, init], {}, "GPv2AllowListAuthentication proxy");
  const settlement = await deploy(deployer, cowArtifact("GPv2Settlement"), [authenticator, BALANCER_VAULT_MAINNET], {}, "GPv2Settlement");
  const auth = new Contract(authenticator, gpv2AuthenticationAbi, deployer);
  await confirm("allow-list the local solver", auth.addSolver(me));
  const vaultRelayer: string = await new Contract(settlement, gpv2SettlementAbi, deployer).vaultRelayer();
  return { settlement, vaultRelayer, authenticator, solver: me };
}

/** What the local solver needs of the world: token addresses and feeds by symbol (a World or a deployments file). */
export interface CowMarket {
  tokens: Record<string, string>;
  feeds: Record<string, string>;
}

const symbolOf = (m: CowMarket, token: string): TokenSymbol => {
  const hit = Object.entries(m.tokens).find(([, a]) => a.toLowerCase() === token.toLowerCase());
  if (!hit) throw new Error(`local solver: ${token} is not a world token`);
  return hit[0] as TokenSymbol;
};

/** `sellAmount` of the sell token in buy-token units at the world's feed prices (the local market price). */
export async function cowOracleBuyAmount(provider: Provider, m: CowMarket, sellToken: string, buyToken: string, sellAmount: bigint): Promise<bigint> {
  const [s, b] = [symbolOf(m, sellToken), symbolOf(m, buyToken)];
  const price = async (sym: TokenSymbol) => {
    const [, answer] = (await new Contract(m.feeds[sym], aggregatorV3Abi, provider).latestRoundData()) as [bigint, bigint];
    return answer;
  };
  const decimals = async (t: string) => BigInt(await new Contract(t, erc20Abi, provider).decimals());
  const [ps, pb, ds, db] = await Promise.all([price(s), price(b), decimals(sellToken), decimals(buyToken)]); // both feeds: 8 decimals here
  return (sellAmount * ps * 10n ** db) / (pb * 10n ** ds);
}

/**
 * The local solver settles one pre-signed sell order: it sends `executedBuyAmount` (default: the
 * oracle value of the sell amount) of the buy token to the settlement from its own funds and calls
 * `settle`, whose post-interaction pays it the sold tokens. Returns the settle receipt.
 */
export async function solveCowOrder(
  solver: Signer,
  t: Pick<TokenDeployment, "tokens">,
  m: CowMarket,
  cow: Pick<CowDeployment, "settlement">,
  order: CowOrder,
  owner: string,
  executedBuyAmount?: bigint,
) {
  const provider = solver.provider!;
  const buy = executedBuyAmount ?? (await cowOracleBuyAmount(provider, m, order.sellToken, order.buyToken, order.sellAmount));
  await fundToken(solver, t, symbolOf(m, order.buyToken), cow.settlement, buy);
  const call = cowSettleOne(getAddress(cow.settlement), order, getAddress(owner), buy, getAddress(await solver.getAddress()));
  return confirm("settle CoW order", solver.sendTransaction({ to: call.to, data: call.data }));
}
