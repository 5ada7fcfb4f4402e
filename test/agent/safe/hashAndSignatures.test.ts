// Pure pieces of the Safe edge: the SafeTx hash (checked against the reference capture and against the
// repo's ethers implementation), signature parsing by type, and the proposal origin's size limit.
import { expect } from "chai";
import { concat, encodeAbiParameters, pad, toHex, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { safeTxHash, originFor } from "../../../agent/src/safe";
import { parseSignatures, SignatureParseError } from "../../../agent/src/safe/txService/signatures";
import { safeTxHash as ethersSafeTxHash } from "../../../scripts/world/safeTx";

const ZERO = "0x0000000000000000000000000000000000000000" as Address;
// A Sepolia USDC transfer as api-kit proposed it to the hosted service (a recorded, real proposal).
const SAMPLE = {
  chainId: 11155111,
  safe: "0x5298A93734C3D979eF1f23F78eBB871879A21F22" as Address,
  tx: {
    to: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48" as Address, value: 0n, operation: 0, safeTxGas: 0n, baseGas: 0n, gasPrice: 0n, gasToken: ZERO, refundReceiver: ZERO, nonce: 7n,
    data: "0xa9059cbb00000000000000000000000005e2acb9a6a44ad72a7250fd244d20db233d366200000000000000000000000000000000000000000000000000000000000f4240" as Hex,
  },
};
const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" as Hex; // public test key

describe("agent/safe: SafeTx hash and signatures (pure)", () => {
  it("computes the safeTxHash the Safe and the service compute (1.4.1 domain with chainId)", () => {
    const h = safeTxHash({ ...SAMPLE, version: "1.4.1" });
    expect(h).to.equal(ethersSafeTxHash(SAMPLE.safe, SAMPLE.chainId, SAMPLE.tx));
    expect(h).to.equal("0x75234611e806db8d823195778f89298bdd9333fc41c6f0b5431721e70ec375ab");
    // Before 1.3.0 the domain has no chainId: a different hash for the same tx.
    expect(safeTxHash({ ...SAMPLE, version: "1.2.0" })).to.not.equal(h);
    expect(safeTxHash({ ...SAMPLE, version: "1.3.0+L2" })).to.equal(h);
  });

  it("parses EOA, eth_sign (v+4), approved-hash and contract signatures, recovering the owners", async () => {
    const account = privateKeyToAccount(KEY);
    const hash = safeTxHash({ ...SAMPLE, version: "1.4.1" });
    const eoa = await account.sign({ hash });
    const ethSign = await account.signMessage({ message: { raw: hash } });
    const v = parseInt(ethSign.slice(-2), 16) + 4;
    const ethSignSafe = (ethSign.slice(0, -2) + v.toString(16)) as Hex;
    const approved = concat([pad(account.address), pad("0x"), "0x01"]);
    const contractOwner = "0x1111111111111111111111111111111111111111" as Address;
    // v=0: r = owner, s = offset of the dynamic part (after the 4 static chunks), then length ++ data.
    const dyn = encodeAbiParameters([{ type: "bytes" }], ["0xdeadbeef"]).slice(66) as Hex; // length ++ padded data
    const contractSig = concat([pad(contractOwner), pad(toHex(65 * 4)), "0x00"]);
    const all = concat([eoa, ethSignSafe, approved, contractSig, dyn]);
    const parsed = await parseSignatures(all, hash);
    expect(parsed.map((p) => [p.type, p.owner])).to.deep.equal([
      ["EOA", account.address], ["ETH_SIGN", account.address], ["APPROVED_HASH", account.address], ["CONTRACT_SIGNATURE", contractOwner],
    ]);
    expect(parsed[3].contractData).to.equal("0xdeadbeef");
    expect(await parseSignatures(null, hash)).to.deep.equal([]);
  });

  it("refuses short signatures and unknown v values", async () => {
    const hash = safeTxHash({ ...SAMPLE, version: "1.4.1" });
    for (const [sig, msg] of [["0x1234", /shorter than 65 bytes/], [concat([pad("0x1"), pad("0x2"), "0x05"]), /unsupported v=5/]] as const) {
      const err = await parseSignatures(sig as Hex, hash).catch((e) => e);
      expect(err).to.be.instanceOf(SignatureParseError);
      expect((err as Error).message).to.match(msg);
    }
  });

  it("fits the rationale into the service's 200-character origin, as JSON the Safe web app reads", () => {
    const short = originFor("rebalance to target");
    expect(JSON.parse(short)).to.deep.equal({ name: "treasury-agent: rebalance to target", url: "" });
    const long = originFor(`"quoted" ${"é".repeat(50)} ${"x".repeat(400)}`, "http://127.0.0.1:3000/decisions/0xabc");
    expect(long.length).to.be.at.most(200);
    const o = JSON.parse(long);
    expect(o.name.startsWith('treasury-agent: "quoted"')).to.equal(true);
    expect(o.name.endsWith("…")).to.equal(true);
    expect(o.url).to.equal("http://127.0.0.1:3000/decisions/0xabc");
  });
});
