import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { UserError } from "../../agent/src/errors";
import { defaultConfig, loadConfig } from "../../agent/src/strategy/config";

describe("agent settings", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-config-"));
  const write = (name: string, body: unknown) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, typeof body === "string" ? body : JSON.stringify(body));
    return f;
  };
  const fails = (f: string) => {
    try {
      loadConfig(f);
    } catch (e) {
      expect(e).to.be.instanceOf(UserError);
      return (e as Error).message;
    }
    throw new Error("accepted");
  };
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("defaults mirror the on-chain caps of the example guardrail settings", () => {
    const example = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "scripts", "guardrails", "settings.example.json"), "utf8"));
    expect(defaultConfig().caps).to.deep.equal(example.caps);
  });

  it("reads the caps of a guardrail settings file and ignores its other keys", () => {
    const f = write("guardrails.json", {
      caps: { maxVolatileBps: 2500, maxProtocolBps: 5000, maxPositionBps: 4000 },
      agents: ["0x0"],
      limits: {},
    });
    const c = loadConfig(f);
    expect(c.caps.maxVolatileBps).to.equal(2500);
    expect(c.costs).to.deep.equal(defaultConfig().costs);
  });

  it("refuses unknown keys, bad values and broken JSON with the path and the fix", () => {
    expect(fails(write("a.json", { cost: {} }))).to.match(/unknown setting "cost"; known: caps/);
    expect(fails(write("b.json", { costs: { swapFeeBps: -1, slippageBps: 0, gasUsdPerRebalance: 0 } }))).to.match(
      /costs\.swapFeeBps: .*see agent\/README\.md/,
    );
    expect(fails(write("c.json", { base: { aaveUsdc: 0.5, pendlePt: 0.5, vault: 0.5 } }))).to.match(/base weights sum to 1\.5/);
    expect(fails(write("d.json", "{not json"))).to.match(/cannot read JSON/);
    expect(fails(write("e.json", { volatileSplit: { btc: 0.5, eth: 0.6 } }))).to.match(
      /volatileSplit\.btc \+ volatileSplit\.eth must be 1/,
    );
  });
});
