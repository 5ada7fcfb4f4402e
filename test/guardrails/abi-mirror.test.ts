// Every enum and struct the TypeScript side re-declares is pinned here to the compiled contracts:
// enum members (names, order) to the compiler's AST in Hardhat's build info, struct fields to the
// ABIs (constructor, lens, events) the chain actually speaks. Mirrors pinned: lib/chain/policyTypes.ts
// (and its re-exports in scripts/guardrails/config.ts), the agent's Effect order, position-kind names
// and PolicyView (agent/src/chain), the rule ids and the Aave rate mode (agent, lib/chain/encode),
// the InitConfig the deploy scripts build and the settings' caps and limits, the indexer's
// RegisteredAsset / RegisteredPosition, and the tests' EFFECT. A reordered or added member or a
// renamed field fails here instead of silently mis-encoding a deployment or misreading the chain.
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Contract, type InterfaceAbi } from "ethers";
import * as policyTypes from "../../lib/chain/policyTypes";
import { AAVE_VARIABLE_RATE } from "../../lib/chain/encode";
import { COW_MAX_VALIDITY_SECONDS } from "../../agent/src/risk/rules";
import { treasuryPolicyAbi, treasuryPolicyLensAbi } from "../../lib/chain/abi";
import * as config from "../../scripts/guardrails/config";
import { DEFAULT_CAPS, DEFAULT_LIMITS } from "../../scripts/guardrails/settings";
import { EFFECTS } from "../../agent/src/risk/types";
import { KIND, readPortfolio } from "../../agent/src/chain/portfolio";
import { RULE_KINDS, ruleIdName, ruleKindOf } from "../../agent/src/chain/ruleKinds";
import type { RegisteredAsset, RegisteredPosition } from "../../indexer/src/lib/classify";
import { agentWorld } from "../agent/chain/fixture";
import { guardedWorldFixture } from "../helpers/guarded";
import { EFFECT } from "./guard.shared";

interface AstNode {
  nodeType: string;
  name?: string;
  members?: { name: string }[];
  nodes?: AstNode[];
}
interface AbiParam {
  name: string;
  type: string;
  internalType?: string;
  components?: readonly AbiParam[];
}
interface AbiItem {
  type: string;
  name?: string;
  inputs?: readonly AbiParam[];
  outputs?: readonly AbiParam[];
}

/** Enum definitions (name -> member names, in order) of a source file's AST. */
function enumsOf(ast: AstNode): Map<string, string[]> {
  const enums = new Map<string, string[]>();
  const walk = (n: AstNode) => {
    if (n.nodeType === "EnumDefinition") enums.set(n.name!, n.members!.map((m) => m.name));
    for (const c of n.nodes ?? []) walk(c);
  };
  walk(ast);
  return enums;
}

/** Struct name (as the ABI's internalType says, without "struct " and the contract prefix) -> field names. */
function structsOf(...abis: readonly AbiItem[][]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (p: AbiParam) => {
    if (p.components) {
      const name = (p.internalType ?? "").replace(/^struct /, "").replace(/\[\]$/, "").split(".").pop()!;
      out.set(name, p.components.map((c) => c.name));
      p.components.forEach(walk);
    }
  };
  for (const abi of abis) for (const item of abi) [...(item.inputs ?? []), ...(item.outputs ?? [])].forEach(walk);
  return out;
}

/** Member names of a TS enum mirror, ordered by value; the values must be 0..n-1. */
function mirrorOrder(mirror: Record<string, number | bigint>): string[] {
  const entries = Object.entries(mirror).map(([k, v]) => [k, Number(v)] as const).sort((a, b) => a[1] - b[1]);
  expect(entries.map(([, v]) => v), "values 0..n-1").to.deep.equal(entries.map((_, i) => i));
  return entries.map(([k]) => k);
}

const sorted = (xs: readonly string[]) => [...xs].sort();
const eventInputs = (abi: readonly AbiItem[], name: string) => abi.find((x) => x.type === "event" && x.name === name)!.inputs!.map((i) => i.name);

describe("TypeScript mirrors of the policy's enums and structs match the compiled contracts", () => {
  let enums: Map<string, string[]>;
  let structs: Map<string, string[]>;
  const struct = (name: string) => sorted(structs.get(name) ?? [`<no struct ${name} in the ABIs>`]);

  before(async () => {
    const info = await hre.artifacts.getBuildInfo("contracts/TreasuryPolicy.sol:TreasuryPolicy");
    expect(info, "build info of TreasuryPolicy").to.not.equal(undefined);
    enums = enumsOf(info!.output.sources["contracts/libraries/PolicyTypes.sol"].ast as AstNode);
    const artifact = (n: string) => hre.artifacts.readArtifact(n).then((a) => a.abi as AbiItem[]);
    structs = structsOf(await artifact("TreasuryPolicy"), await artifact("TreasuryPolicyLens"), await artifact("TreasuryValuation"), await artifact("AgentModule"));
  });

  it("the published ABIs (lib/chain/abi) are the compiled ones", async () => {
    expect(treasuryPolicyAbi).to.deep.equal((await hre.artifacts.readArtifact("TreasuryPolicy")).abi);
    expect(treasuryPolicyLensAbi).to.deep.equal((await hre.artifacts.readArtifact("TreasuryPolicyLens")).abi);
  });

  it("enums: lib/chain/policyTypes (and scripts/guardrails/config's re-exports), the agent's EFFECTS and kind names, the tests' EFFECT", () => {
    const mirrors: Record<string, Record<string, number | bigint>> = {
      AssetClass: policyTypes.AssetClass, PositionKind: policyTypes.PositionKind, Effect: policyTypes.Effect, Actor: policyTypes.Actor, CapsMode: policyTypes.CapsMode,
    };
    expect(sorted([...enums.keys()]), "every Solidity enum has a mirror").to.deep.equal(sorted(Object.keys(mirrors)));
    for (const [name, mirror] of Object.entries(mirrors)) expect(mirrorOrder(mirror), name).to.deep.equal(enums.get(name));
    for (const name of Object.keys(mirrors)) expect(config[name as keyof typeof config], `scripts/guardrails/config ${name}`).to.equal(mirrors[name]);
    expect(EFFECTS, "agent/src/risk/types EFFECTS").to.deep.equal(enums.get("Effect"));
    expect(mirrorOrder(EFFECT), "test/guardrails/guard.shared.ts EFFECT").to.deep.equal(enums.get("Effect"));
    // The agent's short names: one per PositionKind but None, by value.
    const kinds = enums.get("PositionKind")!;
    expect(Object.keys(KIND).map(Number).sort(), "agent KIND covers every position kind").to.deep.equal(kinds.map((_, i) => i).filter((i) => kinds[i] !== "None"));
  });

  it("structs: the InitConfig the scripts build, the settings' caps and limits", async () => {
    const g = await loadFixture(guardedWorldFixture);
    const init = g.init;
    const fields = (o: object) => sorted(Object.keys(o));
    expect(fields(init), "InitConfig").to.deep.equal(struct("InitConfig"));
    expect(fields(init.assets[0]), "AssetInit").to.deep.equal(struct("AssetInit"));
    expect(fields(init.positions[0]), "PositionInit").to.deep.equal(struct("PositionInit"));
    expect(fields(init.positions[0].config), "PositionConfig").to.deep.equal(struct("PositionConfig"));
    expect(fields(init.rules[0]), "RuleInit").to.deep.equal(struct("RuleInit"));
    expect(fields(init.caps), "Caps").to.deep.equal(struct("Caps"));
    expect(fields(init.limits), "Limits").to.deep.equal(struct("Limits"));
    expect(fields(DEFAULT_CAPS), "settings DEFAULT_CAPS").to.deep.equal(struct("Caps"));
    expect(fields(DEFAULT_LIMITS), "settings DEFAULT_LIMITS").to.deep.equal(struct("Limits"));
    // And the deployed policy holds what the scripts meant: caps and limits read back field by field.
    const caps = await g.policy.caps();
    for (const k of fields(init.caps)) expect(caps[k as keyof typeof caps], `caps.${k}`).to.equal(BigInt(init.caps[k as keyof typeof init.caps]));
    const limits = await g.policy.limits();
    for (const k of fields(init.limits)) expect(limits[k as keyof typeof limits], `limits.${k}`).to.equal(BigInt(init.limits[k as keyof typeof init.limits]));
  });

  it("structs: the agent's PolicyView (read through the lens) has the chain's fields", async () => {
    const w = await loadFixture(agentWorld);
    const p = await readPortfolio(w.client, w.d);
    const fields = (o: object) => sorted(Object.keys(o));
    expect(fields(p.policy.caps), "PolicyView.caps").to.deep.equal(struct("Caps"));
    expect(fields(p.policy.limits), "PolicyView.limits").to.deep.equal(struct("Limits"));
    // PolicyPosition = PositionView flattened (token + every PositionConfig field).
    expect(fields(p.policy.positions[0]), "PolicyPosition").to.deep.equal(sorted(["token", ...struct("PositionConfig")]));
    // PolicyAsset = AssetView flattened, assetClass read as `volatile`, `registered` implied.
    const asset = struct("AssetConfig").filter((f) => f !== "registered").map((f) => (f === "assetClass" ? "volatile" : f));
    expect(fields(p.policy.assets[0]), "PolicyAsset").to.deep.equal(sorted(["token", ...asset]));
    // A rule registration: RuleView with the rule id turned into the function it allows.
    expect(fields(p.policy.rules[0]), "PolicyView.rules[]").to.deep.equal(sorted(struct("RuleView").map((f) => (f === "ruleId" ? "kind" : f))));
    // Every default registration maps to a function the agent knows (no "Unknown").
    expect(p.policy.rules.filter((r) => r.kind === "Unknown"), "unmodelled registrations").to.deep.equal([]);
  });

  it("rule ids and the Aave rate mode: the agent's names are what the deployed rule units answer", async () => {
    const g = await loadFixture(guardedWorldFixture);
    const ids: string[] = [];
    for (const key of ["ruleAaveV3", "ruleErc4626", "ruleUniswapV3", "rulePendle", "ruleErc20", "ruleCow"] as const) {
      const rule = new Contract(g.addresses[key], ["function ruleId() pure returns (bytes32)"] as InterfaceAbi, g.world.provider);
      ids.push(ruleIdName((await rule.ruleId()) as `0x${string}`));
    }
    expect(sorted(ids)).to.deep.equal(["aave-v3", "cow", "erc20", "erc4626", "pendle-v2", "uniswap-v3"]);
    const aave = new Contract(g.addresses.ruleAaveV3, ["function VARIABLE_RATE() pure returns (uint256)"] as InterfaceAbi, g.world.provider);
    expect(await aave.VARIABLE_RATE(), "lib/chain/encode AAVE_VARIABLE_RATE").to.equal(AAVE_VARIABLE_RATE);
    const cow = new Contract(g.addresses.ruleCow, ["function MAX_VALIDITY() pure returns (uint256)"] as InterfaceAbi, g.world.provider);
    expect(await cow.MAX_VALIDITY(), "agent/src/risk/rules COW_MAX_VALIDITY_SECONDS").to.equal(COW_MAX_VALIDITY_SECONDS);
    expect(ruleKindOf("0x6161" as `0x${string}`, "0x12345678"), "an unknown unit").to.equal("Unknown");
    expect(RULE_KINDS).to.include("AaveBorrow");
  });

  it("events the indexer reads: RegisteredAsset / RegisteredPosition fields are AssetSet / PositionSet's", () => {
    // Typed samples: a field added to or removed from the interfaces fails to compile (npm run typecheck).
    const a: Required<RegisteredAsset> = { token: "", decimals: 0, assetClass: 0, feed: "" };
    const p: Required<RegisteredPosition> = { token: "", kind: 0, underlying: "", protocol: "", venue: "", market: "" };
    const policyAbi = treasuryPolicyAbi as unknown as AbiItem[];
    const assetSet = eventInputs(policyAbi, "AssetSet").map((n) => (n === "class" ? "assetClass" : n)).filter((n) => n !== "maxStaleness");
    expect(sorted(Object.keys(a)), "RegisteredAsset").to.deep.equal(sorted(assetSet));
    const positionSet = eventInputs(policyAbi, "PositionSet").filter((n) => n !== "twapDuration");
    expect(sorted(Object.keys(p)), "RegisteredPosition").to.deep.equal(sorted(positionSet));
  });
});
