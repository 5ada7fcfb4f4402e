// The pure detectors and the watch configuration, without a chain: the rules' lines (15% in 24 h, 8%
// since the last cycle, 99% utilisation, a share price that falls, MVRV 3.5), once per crossing, and a
// policy loosening decoded with the policy's ABI.
import { expect } from "chai";
import { encodeFunctionData, getAddress, type Address } from "viem";
import { treasuryPolicyAbi } from "../../../lib/chain/abi";
import { loadAgentConfig } from "../../../agent/src/config";
import { decodeScheduled } from "../../../agent/src/watch";
import { detectCrash, emptyCrash, markCycle } from "../../../agent/src/watch/market/crash";
import { detectMvrv } from "../../../agent/src/watch/market/mvrv";
import { detectAave, emptyAave } from "../../../agent/src/watch/protocols/aave";
import { detectVaults, emptyVaults } from "../../../agent/src/watch/protocols/vaults";
import type { Snapshot } from "../../../agent/src/watch/snapshot";
import { userErrorOf } from "../helpers/edges";

const A = (n: number) => getAddress(`0x${n.toString(16).padStart(40, "0")}`) as Address;
const HOUR = 3_600_000;

function snap(at: number, o: { eth?: number; util?: number; share?: number } = {}): Snapshot {
  return {
    block: BigInt(at / 1000),
    blockTime: at,
    at,
    assets: o.eth === undefined ? [] : [{ token: A(1), symbol: "WETH", volatile: true, feed: A(2), priceUsd: o.eth, updatedAt: at / 1000, maxStaleness: 3600 }],
    reserves: o.util === undefined ? [] : [{ asset: A(3), symbol: "USDC", active: true, frozen: false, paused: false, utilisation: o.util }],
    vaults: o.share === undefined ? [] : [{ vault: A(4), symbol: "sDAI", assetsPerShare: o.share }],
    pendle: [],
  };
}

describe("agent/watch: detectors (pure) and config", () => {
  it("price.crash: 15% under the 24 h high alerts once, re-arms when back above; a high older than 24 h does not count", () => {
    let s = emptyCrash();
    const run = (at: number, eth: number) => {
      const r = detectCrash(s, snap(at, { eth }));
      s = r.state;
      return r.events.map((e) => e.data.rule);
    };
    expect(run(0, 2000)).to.deep.equal([]);
    expect(run(HOUR, 1720)).to.deep.equal([]); // 14%
    expect(run(2 * HOUR, 1690)).to.deep.equal(["24h"]); // 15.5%
    expect(run(3 * HOUR, 1600)).to.deep.equal([]); // still down: no second alert
    expect(run(4 * HOUR, 1900)).to.deep.equal([]); // back above: re-armed
    expect(run(5 * HOUR, 1650)).to.deep.equal(["24h"]);
    expect(run(30 * HOUR, 1400)).to.deep.equal([]); // every earlier sample is older than 24 h: no high to fall from
  });

  it("price.crash: 8% under the price at the last cycle", () => {
    let s = emptyCrash();
    s = detectCrash(s, snap(0, { eth: 2000 })).state;
    s = markCycle(s, snap(0, { eth: 2000 }));
    expect(detectCrash(s, snap(HOUR, { eth: 1850 })).events).to.have.length(0); // 7.5%
    const r = detectCrash(s, snap(HOUR, { eth: 1830 })); // 8.5%
    expect(r.events.map((e) => [e.kind, e.data.rule, e.severity])).to.deep.equal([["price.crash", "cycle", "critical"]]);
  });

  it("aave.utilisation at 99% or more; vault.sharePriceDown on any fall after the first poll", () => {
    let a = emptyAave();
    const u = (x: number) => ((r) => ((a = r.state), r.events.length))(detectAave(a, snap(0, { util: x })));
    expect([u(0.98), u(0.99), u(0.995), u(0.5), u(0.999)]).to.deep.equal([0, 1, 0, 0, 1]);
    let v = emptyVaults();
    const p = (x: number) => ((r) => ((v = r.state), r.events.length))(detectVaults(v, snap(0, { share: x })));
    expect([p(1.05), p(1.06), p(1.059), p(1.059), p(1.07)]).to.deep.equal([0, 0, 1, 0, 0]);
  });

  it("mvrv.cross: either way across 3.5; the first value only sets the side", () => {
    let s = {};
    const m = (x: number) => ((r) => ((s = r.state), r.events.map((e) => e.data.above)))(detectMvrv(s, x, 0));
    expect([m(3.6), m(3.7), m(3.4), m(3.2), m(3.51)]).to.deep.equal([[], [], [false], [], [true]]);
  });

  it("a policy loosening scheduled on the policy: decoded with the policy's ABI", () => {
    const safe = A(10);
    const policy = A(11);
    const d = decodeScheduled(policy, encodeFunctionData({ abi: treasuryPolicyAbi, functionName: "setAgent", args: [A(12), true] }), { safe, policy });
    expect(d).to.deep.include({ on: "policy", class: "policy", functionName: "setAgent", args: { agent: A(12), allowed: "true" } });
    const u = decodeScheduled(A(13), "0xdeadbeef", { safe, policy });
    expect(u.class).to.equal("unknown");
    expect(u.text).to.match(/^unknown call 0xdeadbeef on /);
  });

  it("config: watch section defaults, env overrides, a bad value names its env variable", () => {
    const RPC = { RPC_URL: "http://127.0.0.1:1" };
    expect(loadAgentConfig({ env: RPC }).watch).to.deep.equal({ enabled: true, intervalSeconds: 30, proposalMaxAgeHours: 48, largeOutflowUsd: 50_000, wakeCycle: true, maxBlockRange: 2_000 });
    const c = loadAgentConfig({ env: { ...RPC, WATCH_ENABLED: "no", WATCH_INTERVAL_SECONDS: "10", WATCH_PROPOSAL_MAX_AGE_HOURS: "12", WATCH_LARGE_OUTFLOW_USD: "250000" } }).watch;
    expect(c).to.include({ enabled: false, intervalSeconds: 10, proposalMaxAgeHours: 12, largeOutflowUsd: 250_000 });
    expect(userErrorOf(() => loadAgentConfig({ env: { ...RPC, WATCH_INTERVAL_SECONDS: "0" } }))).to.match(/watch\.intervalSeconds \(env WATCH_INTERVAL_SECONDS\)/);
  });
});
