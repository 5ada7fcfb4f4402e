// lib/chain/cow.ts against CoW Protocol's own definitions: the EIP-712 type hash and the enum
// constants of GPv2Order.sol (@cowprotocol/contracts 1.8.0), the settlement artifact's decoder for
// the pre-signature (the appended order is ignored by it), and the trade flags of GPv2Trade.sol.
// That the uid is the one the real settlement computes is shown in test/guardrails/cow.test.ts (a fill).
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Interface } from "ethers";
import { concat, encodeAbiParameters, keccak256, stringToHex, type Address } from "viem";
import * as cow from "../../lib/chain/cow";

const SRC = path.join(__dirname, "..", "..", "node_modules", "@cowprotocol", "contracts");
const orderSol = fs.readFileSync(path.join(SRC, "src", "contracts", "libraries", "GPv2Order.sol"), "utf8");
const constant = (name: string) => `0x${new RegExp(`${name} =\\s*hex"([0-9a-f]{64})"`).exec(orderSol)![1]}`;
const SETTLEMENT = new Interface(JSON.parse(fs.readFileSync(path.join(SRC, "deployments", "mainnet", "GPv2Settlement.json"), "utf8")).abi);

const S = "0x9008D19f58AAbD9eD0D60971565AA8510560ab41" as Address;
const SAFE = "0x3333333333333333333333333333333333333333" as Address;
const order = cow.cowSellOrder({ sellToken: "0x1111111111111111111111111111111111111111", buyToken: "0x2222222222222222222222222222222222222222", sellAmount: 10n ** 18n, buyAmount: 2_990n * 10n ** 6n, validTo: 1_800_000_000 });

describe("lib/chain CoW orders", () => {
  it("the EIP-712 order type and the enum hashes are GPv2Order's constants", () => {
    const type = `Order(${cow.COW_ORDER_TYPES.Order.map((f) => `${f.type} ${f.name}`).join(",")})`;
    expect(keccak256(stringToHex(type))).to.equal(constant("TYPE_HASH"));
    expect(cow.cowEnumHash("sell")).to.equal(constant("KIND_SELL"));
    expect(cow.cowEnumHash("buy")).to.equal(constant("KIND_BUY"));
    expect(cow.cowEnumHash("erc20")).to.equal(constant("BALANCE_ERC20"));
    expect(cow.cowEnumHash("external")).to.equal(constant("BALANCE_EXTERNAL"));
    expect(cow.cowEnumHash("internal")).to.equal(constant("BALANCE_INTERNAL"));
  });

  it("digest = keccak(0x1901 ‖ domain ‖ struct hash); uid = digest ‖ owner ‖ validTo (56 bytes)", () => {
    const digest = cow.cowOrderDigest(order, 1, S);
    const uid = cow.cowOrderUid(order, SAFE, 1, S);
    expect(uid).to.equal(`${digest}${SAFE.slice(2).toLowerCase()}${order.validTo.toString(16).padStart(8, "0")}`);
    expect(cow.cowUidParams(uid)).to.deep.equal({ digest, owner: SAFE.toLowerCase(), validTo: order.validTo });
    // The struct hash by hand: the type hash and the 12 words, enum strings hashed.
    const structHash = keccak256(encodeAbiParameters([{ type: "bytes32" }, ...cow.COW_ORDER_TUPLE[0].components], [constant("TYPE_HASH") as `0x${string}`, order.sellToken, order.buyToken, order.receiver, order.sellAmount, order.buyAmount, order.validTo, order.appData, order.feeAmount, constant("KIND_SELL") as `0x${string}`, false, constant("BALANCE_ERC20") as `0x${string}`, constant("BALANCE_ERC20") as `0x${string}`]));
    const domainSeparator = keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }, { type: "address" }], [keccak256(stringToHex("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")), keccak256(stringToHex("Gnosis Protocol")), keccak256(stringToHex("v2")), 1n, S]));
    expect(keccak256(concat(["0x1901", domainSeparator, structHash]))).to.equal(digest);
    expect(() => cow.cowUidParams("0x1234")).to.throw(/56 bytes/);
  });

  it("the pre-signature decodes with the settlement's ABI as (uid, true); the appended order round-trips", () => {
    const { call, uid } = cow.cowPresign(S, order, SAFE, 1);
    const args = SETTLEMENT.decodeFunctionData("setPreSignature", call.data);
    expect([args[0], args[1]]).to.deep.equal([uid, true]);
    const back = cow.cowOrderOfPresign(call.data);
    expect(back).to.deep.equal({ uid, signed: true, order });
    const un = cow.cowUnsign(S, uid);
    expect(cow.cowOrderOfPresign(un.data)).to.deep.equal({ uid, signed: false, order: undefined });
  });

  it("trade flags: pre-signed sell fill-or-kill ERC-20 = 0x60; kind, partial fill and balances set their bits", () => {
    expect(cow.cowTradeFlags(order)).to.equal(0x60n);
    expect(cow.cowTradeFlags({ ...order, kind: "buy", partiallyFillable: true, sellTokenBalance: "internal", buyTokenBalance: "internal" })).to.equal(0x60n | 1n | 2n | 0x0cn | 0x10n);
    expect(cow.cowTradeFlags({ ...order, sellTokenBalance: "external" })).to.equal(0x60n | 0x08n);
  });
});
