// The owners during the soak: they turn down each proposal the agent makes, as owners do in the Safe
// web app with a rejection, by executing another transaction at its nonce (a neutral call to the
// policy: a plain empty self-call is refused by the guard). The agent then finds its proposal
// superseded and plans the day again at the next nonce, so every cycle runs every step (market,
// approver, tx service), which is what the soak needs to put faults in front of them.
import { createPublicClient, createWalletClient, encodeFunctionData, http, parseAbi, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { HDNodeWallet } from "ethers";
import { TEST_MNEMONIC } from "../world/rpc";

const SAFE = parseAbi([
  "function nonce() view returns (uint256)",
  "function getTransactionHash(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, uint256 _nonce) view returns (bytes32)",
  "function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures) payable returns (bool)",
]);
const POLICY = parseAbi(["function paused() view returns (bool)"]);
const ZERO = "0x0000000000000000000000000000000000000000" as const;
export const keyOf = (i: number) => HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey as Hex;

export interface Owners {
  /** Use the Safe's current nonce with a neutral owners' transaction; returns its hash. */
  reject(): Promise<{ nonce: number; txHash: Hex }>;
}

export function owners(o: { rpcUrl: string; safe: Address; policy: Address; signerIndices?: number[] }): Owners {
  const pub = createPublicClient({ chain: foundry, transport: http(o.rpcUrl, { retryCount: 0, timeout: 20_000 }) });
  const accounts = (o.signerIndices ?? [1, 2]).map((i) => privateKeyToAccount(keyOf(i))).sort((a, b) => (a.address.toLowerCase() < b.address.toLowerCase() ? -1 : 1));
  const wallet = createWalletClient({ chain: foundry, account: accounts[0], transport: http(o.rpcUrl, { retryCount: 0, timeout: 20_000 }) });
  return {
    async reject() {
      const nonce = await pub.readContract({ address: o.safe, abi: SAFE, functionName: "nonce" });
      const data = encodeFunctionData({ abi: POLICY, functionName: "paused" });
      const args = [o.policy, 0n, data, 0, 0n, 0n, 0n, ZERO, ZERO] as const;
      const hash = await pub.readContract({ address: o.safe, abi: SAFE, functionName: "getTransactionHash", args: [...args, nonce] });
      // Owners' ECDSA signatures over the safeTxHash itself (v 27/28), sorted by owner address.
      const sigs = await Promise.all(accounts.map((a) => a.sign({ hash })));
      const signatures = `0x${sigs.map((s) => s.slice(2)).join("")}` as Hex;
      const txHash = await wallet.writeContract({ address: o.safe, abi: SAFE, functionName: "execTransaction", args: [...args, signatures] });
      const r = await pub.waitForTransactionReceipt({ hash: txHash, timeout: 20_000 });
      if (r.status !== "success") throw new Error(`the owners' rejection at nonce ${nonce} reverted (${txHash})`);
      return { nonce: Number(nonce), txHash };
    },
  };
}
