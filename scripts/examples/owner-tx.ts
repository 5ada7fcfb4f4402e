// A Safe transaction signed with protocol-kit, as an integrator would write it, against the chain that
// `npm start` runs: two owners sign an approve + Aave supply batch and one executes it (the guard
// checks it); then a payment to an address that is not a registered payee is refused, and the
// refusal is decoded into the policy's error name and arguments.
//
//   npm run example:owner-tx [-- --deployment deployments/local.json] [--usdc 1000]
//
// The amount is read from the Safe's state: 1,000 of the first stablecoin (USDC, then DAI) that the
// Safe holds, or all of it when it holds less (after the README's first rebalance most of its USDC
// is deployed); `--usdc N` asks for exactly N USDC and fails naming the balance when the Safe has less.
// Local chain only: it signs with the public test-mnemonic keys of owners #1 and #2.
import { parseArgs } from "node:util";
import Safe from "@safe-global/protocol-kit";
import type { MetaTransactionData } from "@safe-global/types-kit";
import { Contract, HDNodeWallet, Interface, JsonRpcProvider, formatUnits, parseUnits } from "ethers";
import { aaveSupply, approve, contractNetworksFor, executeWithMargin, readDeployment } from "../../lib/chain";
import { TEST_MNEMONIC } from "../world/rpc";
import { decodeRevert, revertDataOf } from "../abi/revert";

const ERC20 = new Interface(["function approve(address spender, uint256 amount)", "function transfer(address to, uint256 amount)"]);
const testKey = (i: number) => HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;

/** Stablecoins the example may supply, in order of preference, with their decimals. */
const STABLES = [
  ["USDC", 6],
  ["DAI", 18],
] as const;
const DEFAULT_AMOUNT = "1000";

/** What to supply: `usdc` exactly (in USDC), or 1,000 of the first stablecoin the Safe holds (all of it when less). */
async function pickSupply(d: ReturnType<typeof readDeployment>, usdc?: string): Promise<{ symbol: string; token: `0x${string}`; amount: bigint; decimals: number }> {
  const provider = new JsonRpcProvider(d.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const balanceOf = (token: string) => new Contract(token, ["function balanceOf(address) view returns (uint256)"], provider).balanceOf(d.treasury!.safe) as Promise<bigint>;
  try {
    if (usdc !== undefined) {
      const amount = parseUnits(usdc, 6);
      const have = await balanceOf(d.tokens.USDC!);
      if (have < amount) throw new Error(`--usdc ${usdc}: the Safe holds ${formatUnits(have, 6)} USDC; ask for at most that, or leave --usdc out to supply what the Safe holds`);
      return { symbol: "USDC", token: d.tokens.USDC!, amount, decimals: 6 };
    }
    const held: string[] = [];
    for (const [symbol, decimals] of STABLES) {
      const token = d.tokens[symbol];
      if (!token || !(d.aave.aTokens as Record<string, string | undefined>)[symbol]) continue;
      const have = await balanceOf(token);
      held.push(`${formatUnits(have, decimals)} ${symbol}`);
      if (have < 10n ** BigInt(decimals)) continue; // less than one unit: try the next stablecoin
      const want = parseUnits(DEFAULT_AMOUNT, decimals);
      return { symbol, token, amount: have < want ? have : want, decimals };
    }
    throw new Error(`the Safe holds no stablecoin to supply (${held.join(", ")}): restart \`npm start\` for a fresh world`);
  } finally {
    provider.destroy();
  }
}

export async function runOwnerTxExample(deploymentFile: string, usdc?: string, log: (m: string) => void = console.log) {
  const d = readDeployment(deploymentFile);
  if (!d.treasury || !d.rpcUrl) throw new Error(`${deploymentFile} has no treasury or rpcUrl: is it written by \`npm start\`?`);
  if (d.chainId !== 31337) throw new Error(`${deploymentFile} is chain ${d.chainId}: this example signs with public test keys and runs on the local chain only`);
  const { symbol, token, amount, decimals } = await pickSupply(d, usdc);

  // Safe's deployment registry has no chain 31337: protocol-kit needs the local addresses passed in.
  const kit = (ownerIndex: number) =>
    Safe.init({ provider: d.rpcUrl!, signer: testKey(ownerIndex), safeAddress: d.treasury!.safe, contractNetworks: contractNetworksFor(d.safe, d.chainId) });
  const [owner1, owner2] = await Promise.all([kit(1), kit(2)]);

  const supply: MetaTransactionData[] = [
    approve(token, d.aave.pool, amount),
    aaveSupply(d.aave.pool, token, amount, d.treasury!.safe),
  ].map((c) => ({ to: c.to, value: "0", data: c.data }));
  let tx = await owner1.createTransaction({ transactions: supply, onlyCalls: true });
  tx = await owner1.signTransaction(tx);
  tx = await owner2.signTransaction(tx);
  // protocol-kit executeTransaction, with a gas limit over the estimate (lib/chain/gas.ts says why).
  const done = await executeWithMargin(owner1, tx);
  const provider = new JsonRpcProvider(d.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const receipt = await provider.waitForTransaction(done.hash);
  provider.destroy();
  if (receipt?.status !== 1) throw new Error(`the supply batch ${done.hash} failed`);
  log(`supplied ${formatUnits(amount, decimals)} ${symbol} to Aave from the Safe: tx ${done.hash} (block ${receipt.blockNumber})`);

  // Forbidden: pay an address that is not a registered payee (the outsider account).
  const outsider = d.accounts.outsider!;
  let pay = await owner1.createTransaction({ transactions: [{ to: token, value: "0", data: ERC20.encodeFunctionData("transfer", [outsider, amount]) }] });
  pay = await owner1.signTransaction(pay);
  pay = await owner2.signTransaction(pay);
  try {
    await executeWithMargin(owner1, pay);
  } catch (err) {
    const data = revertDataOf(err);
    const reason = data ? decodeRevert(data) : `no revert data in the error: ${(err as Error).message.split("\n")[0]}`;
    log(`refused as expected: ${reason}`);
    return { supplyTx: done.hash, refusal: reason };
  }
  throw new Error("the payment to a non-payee was executed: the guard is not attached");
}

if (require.main === module) {
  const { values } = parseArgs({ options: { deployment: { type: "string", default: "deployments/local.json" }, usdc: { type: "string" } } });
  runOwnerTxExample(values.deployment!, values.usdc).catch((err) => {
    console.error(`example:owner-tx: ${(err as Error).message}`);
    process.exit(1);
  });
}
