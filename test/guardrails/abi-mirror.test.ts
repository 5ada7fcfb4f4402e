// The TypeScript side re-declares the policy's enums (scripts/guardrails/config.ts, the tests'
// EFFECT) and builds its structs (InitConfig, caps, limits) by hand. This pins each of them to the
// Solidity source the contracts were compiled from (the compiler's AST in Hardhat's build info):
// same member names in the same order, same struct fields. A reordered or added enum member or a
// renamed field fails here instead of silently mis-encoding a deployment.
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { guardedWorldFixture } from "../helpers/guarded";
import { Actor, AssetClass, Effect, PositionKind } from "../../scripts/guardrails/config";
import { DEFAULT_CAPS, DEFAULT_LIMITS } from "../../scripts/guardrails/settings";
import { EFFECT } from "./guard.shared";

interface AstNode {
  nodeType: string;
  name?: string;
  members?: { name: string }[];
  nodes?: AstNode[];
}

/** Enum and struct definitions (name -> member names, in order) of a source file, contracts included. */
function definitions(ast: AstNode): { enums: Map<string, string[]>; structs: Map<string, string[]> } {
  const enums = new Map<string, string[]>();
  const structs = new Map<string, string[]>();
  const walk = (n: AstNode) => {
    if (n.nodeType === "EnumDefinition") enums.set(n.name!, n.members!.map((m) => m.name));
    if (n.nodeType === "StructDefinition") structs.set(n.name!, n.members!.map((m) => m.name));
    for (const c of n.nodes ?? []) walk(c);
  };
  walk(ast);
  return { enums, structs };
}

/** Member names of a TS enum mirror, ordered by value; the values must be 0..n-1. */
function mirrorOrder(mirror: Record<string, number | bigint>): string[] {
  const entries = Object.entries(mirror).map(([k, v]) => [k, Number(v)] as const).sort((a, b) => a[1] - b[1]);
  expect(entries.map(([, v]) => v), "values 0..n-1").to.deep.equal(entries.map((_, i) => i));
  return entries.map(([k]) => k);
}

describe("TypeScript mirrors of the policy's enums and structs match the Solidity source", () => {
  let types: ReturnType<typeof definitions>;
  let policy: ReturnType<typeof definitions>;
  before(async () => {
    const info = await hre.artifacts.getBuildInfo("contracts/TreasuryPolicy.sol:TreasuryPolicy");
    expect(info, "build info of TreasuryPolicy").to.not.equal(undefined);
    types = definitions(info!.output.sources["contracts/libraries/PolicyTypes.sol"].ast as AstNode);
    policy = definitions(info!.output.sources["contracts/TreasuryPolicy.sol"].ast as AstNode);
  });

  it("enums: AssetClass, PositionKind, Effect, Actor (scripts/guardrails/config.ts) and the tests' EFFECT", () => {
    const mirrors: Record<string, Record<string, number | bigint>> = { AssetClass, PositionKind, Effect, Actor };
    expect([...types.enums.keys()].sort(), "every Solidity enum has a mirror").to.deep.equal(Object.keys(mirrors).sort());
    for (const [name, mirror] of Object.entries(mirrors)) {
      expect(mirrorOrder(mirror), name).to.deep.equal(types.enums.get(name));
    }
    expect(mirrorOrder(EFFECT), "test/guardrails/guard.shared.ts EFFECT").to.deep.equal(types.enums.get("Effect"));
  });

  it("structs: the InitConfig the scripts build, and the settings' caps and limits", async () => {
    const g = await loadFixture(guardedWorldFixture);
    const init = g.init;
    const fields = (o: object) => Object.keys(o).sort();
    const sol = (m: Map<string, string[]>, name: string) => [...(m.get(name) ?? [`<no struct ${name}>`])].sort();
    expect(fields(init), "InitConfig").to.deep.equal(sol(policy.structs, "InitConfig"));
    expect(fields(init.assets[0]), "AssetInit").to.deep.equal(sol(policy.structs, "AssetInit"));
    expect(fields(init.positions[0]), "PositionInit").to.deep.equal(sol(policy.structs, "PositionInit"));
    expect(fields(init.positions[0].config), "PositionConfig").to.deep.equal(sol(types.structs, "PositionConfig"));
    expect(fields(init.rules[0]), "RuleInit").to.deep.equal(sol(policy.structs, "RuleInit"));
    expect(fields(init.caps), "Caps").to.deep.equal(sol(types.structs, "Caps"));
    expect(fields(init.limits), "Limits").to.deep.equal(sol(types.structs, "Limits"));
    expect(fields(DEFAULT_CAPS), "settings DEFAULT_CAPS").to.deep.equal(sol(types.structs, "Caps"));
    expect(fields(DEFAULT_LIMITS), "settings DEFAULT_LIMITS").to.deep.equal(sol(types.structs, "Limits"));
    // And the deployed policy holds what the scripts meant: caps and limits read back field by field.
    const caps = await g.policy.caps();
    for (const k of fields(init.caps)) expect(caps[k as keyof typeof caps], `caps.${k}`).to.equal(BigInt(init.caps[k as keyof typeof init.caps]));
    const limits = await g.policy.limits();
    for (const k of fields(init.limits)) expect(limits[k as keyof typeof limits], `limits.${k}`).to.equal(BigInt(init.limits[k as keyof typeof init.limits]));
  });
});
