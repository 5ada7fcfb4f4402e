// A Safe transaction signed with protocol-kit, as an integrator would write it, against the chain that
// `npm start` runs: two owners sign an approve + Aave supply batch and one executes it (the guard
// checks it); then a payment to an address that is not a registered payee is refused, and the
// refusal is decoded into the policy's error name and arguments.
//
//   npm run example:owner-tx [-- --deployment deployments/local.json] [--usdc 1000]
//
// Local chain only: it signs with the public test-mnemonic keys of owners #1 and #2.
import { parseArgs } from "node:util";
import Safe from "@safe-global/protocol-kit";
import type { MetaTransactionData } from "@safe-global/types-kit";
import { HDNodeWallet, Interface, JsonRpcProvider, parseUnits } from "ethers";
import { aaveSupply, approve, contractNetworksFor, executeWithMargin, readDeployment } from "../../lib/chain";
import { TEST_MNEMONIC } from "../world/rpc";
import { decodeRevert, revertDataOf } from "../abi/revert";

const ERC20 = new Interface(["function approve(address spender, uint256 amount)", "function transfer(address to, uint256 amount)"]);
const testKey = (i: number) => HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;

export async function runOwnerTxExample(deploymentFile: string, usdc = "1000", log: (m: string) => void = console.log) {
  const d = readDeployment(deploymentFile);
  if (!d.treasury || !d.rpcUrl) throw new Error(`${deploymentFile} has no treasury or rpcUrl: is it written by \`npm start\`?`);
  if (d.chainId !== 31337) throw new Error(`${deploymentFile} is chain ${d.chainId}: this example signs with public test keys and runs on the local chain only`);
  const usdcAddr = d.tokens.USDC!;
  const amount = parseUnits(usdc, 6);

  // Safe's deployment registry has no chain 31337: protocol-kit needs the local addresses passed in.
  const kit = (ownerIndex: number) =>
    Safe.init({ provider: d.rpcUrl!, signer: testKey(ownerIndex), safeAddress: d.treasury!.safe, contractNetworks: contractNetworksFor(d.safe, d.chainId) });
  const [owner1, owner2] = await Promise.all([kit(1), kit(2)]);

  const supply: MetaTransactionData[] = [
    approve(usdcAddr, d.aave.pool, amount),
    aaveSupply(d.aave.pool, usdcAddr, amount, d.treasury!.safe),
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
  log(`supplied ${usdc} USDC to Aave from the Safe: tx ${done.hash} (block ${receipt.blockNumber})`);

  // Forbidden: pay an address that is not a registered payee (the outsider account).
  const outsider = d.accounts.outsider!;
  let pay = await owner1.createTransaction({ transactions: [{ to: usdcAddr, value: "0", data: ERC20.encodeFunctionData("transfer", [outsider, amount]) }] });
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
  const { values } = parseArgs({ options: { deployment: { type: "string", default: "deployments/local.json" }, usdc: { type: "string", default: "1000" } } });
  runOwnerTxExample(values.deployment!, values.usdc!).catch((err) => {
    console.error(`example:owner-tx: ${(err as Error).message}`);
    process.exit(1);
  });
}
