import { expect } from "chai";
import { allocate } from "../../agent/src/strategy/allocation";
import { capLimits, capViolations, fitCaps } from "../../agent/src/strategy/caps";
import { defaultConfig } from "../../agent/src/strategy/config";
import { POSITIONS, Weights, zeroWeights } from "../../agent/src/strategy/types";

describe("agent caps and allocation", () => {
  const c = defaultConfig();
  const lim = capLimits(c);

  it("limits are the config's caps minus the margin", () => {
    expect(lim).to.deep.equal({ volatile: 0.3975, protocol: 0.5975, position: 0.4975 });
  });

  it("fitCaps cuts volatile, position and protocol excess to cash", () => {
    const w = fitCaps({ ...zeroWeights(), btc: 0.5, eth: 0.3, aaveUsdc: 0.2 }, lim);
    expect(w.btc + w.eth).to.be.closeTo(0.3975, 1e-12);
    expect(w.btc / w.eth).to.be.closeTo(5 / 3, 1e-12);
    expect(w.usdc).to.be.closeTo(0.4025, 1e-12);
    const a = fitCaps({ ...zeroWeights(), aaveUsdc: 0.9, vault: 0.1 }, lim);
    expect(a.aaveUsdc).to.be.closeTo(0.4975, 1e-12);
    expect(a.usdc).to.be.closeTo(0.4025, 1e-12);
  });

  it("fitCaps output always satisfies the caps (random weights)", () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let k = 0; k < 2000; k++) {
      const w = zeroWeights() as Weights;
      for (const p of POSITIONS) w[p] = rnd() * 2;
      expect(capViolations(fitCaps(w, lim), lim)).to.deep.equal([]);
    }
  });

  it("allocate: base sleeve, volatile share, tactical stables to Aave then the vault", () => {
    const w = allocate(0.25, c, lim);
    expect(w.btc).to.be.closeTo(0.15, 1e-12);
    expect(w.eth).to.be.closeTo(0.1, 1e-12);
    expect(w.pendlePt).to.be.closeTo(0.2, 1e-12);
    expect(w.aaveUsdc).to.be.closeTo(0.4, 1e-12); // 25% base + 15% tactical stables
    expect(w.vault).to.be.closeTo(0.15, 1e-12);
    const none = allocate(0, c, lim);
    expect(none.aaveUsdc).to.be.closeTo(0.4975, 1e-12);
    expect(none.vault).to.be.closeTo(0.3025, 1e-12);
    expect(none.usdc).to.be.closeTo(0, 1e-12);
    const max = allocate(1, c, lim);
    expect(max.btc + max.eth).to.be.closeTo(0.3975, 1e-12);
    for (const v of [0, 0.1, 0.25, 0.4, 1]) expect(capViolations(allocate(v, c, lim), lim)).to.deep.equal([]);
  });
});
