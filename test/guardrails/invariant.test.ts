// The invariant campaign (invariant.campaign.ts) inside `npm test`: a few seeded sequences. The large
// campaign runs outside the test suite: `npm run fuzz -- --sequences 1000` (writes bench/fuzz.json).
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { leveragedWorldFixture } from "../helpers/guarded";
import { ALLOWED_KINDS, FORBIDDEN_KINDS, newStats, runSequence, summary } from "./invariant.campaign";

const SEQUENCES = 40;
const STEPS = 12;

describe("AgentModule invariants: seeded random sequences of agent actions", function () {
  const stats = newStats();
  let started = 0;
  before(() => {
    started = Date.now();
  });

  after(() => {
    for (const line of summary(stats, STEPS, ((Date.now() - started) / 1000).toFixed(1))) console.log(`      ${line}`);
  });

  for (let seed = 1; seed <= SEQUENCES; seed++) {
    it(`sequence seed=${seed}: ${STEPS} random steps keep every invariant`, async function () {
      const g = await loadFixture(leveragedWorldFixture);
      await runSequence(g, seed, stats, STEPS);
    });
  }

  it("the random walk exercised every action kind, with both outcomes for allowed ones", () => {
    expect(stats.sequences).to.equal(SEQUENCES);
    expect(stats.steps).to.equal(SEQUENCES * STEPS);
    for (const k of FORBIDDEN_KINDS) {
      expect(stats.byKind[k]?.refused ?? 0, k).to.be.greaterThan(0);
      expect(stats.byKind[k]?.accepted ?? 0, `${k} must never be accepted`).to.equal(0);
    }
    for (const k of ALLOWED_KINDS) {
      expect(stats.byKind[k]?.accepted ?? 0, `${k} accepted`).to.be.greaterThan(0);
    }
    expect(stats.allowedRefused, "allowed actions also hit the limits").to.be.greaterThan(0);
    expect(stats.navChecks).to.equal(stats.accepted);
    expect(stats.grossChecks).to.equal(stats.accepted);
    expect(stats.leveredSequences, "levered sequences").to.be.greaterThan(0);
    expect(stats.healthChecks, "health factor checks").to.be.greaterThan(0);
  });
});
