// Guardrail settings validation (npm run deploy:guardrails --settings): every mistake a person makes
// in the file is refused with the field path, the value and the fix; nothing falls back silently.
import { expect } from "chai";
import path from "node:path";
import fs from "node:fs";
import os from "node:os";
import {
  checkSettingsAgainstTokens,
  DEFAULT_CLASSES,
  DEFAULT_MAX_STALENESS,
  loadGuardrailSettings,
  parseGuardrailSettings,
} from "../../scripts/guardrails/settings";

const TOKENS = { USDC: "0x1", DAI: "0x2", WETH: "0x3", WBTC: "0x4" };
const AGENT = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected an error");
}

describe("guardrail settings: validation", () => {
  it("completes partial input with the defaults", () => {
    const s = parseGuardrailSettings({ caps: { maxVolatileBps: 3000 } });
    expect(s.caps).to.deep.equal({ maxVolatileBps: 3000, maxProtocolBps: 6000, maxPositionBps: 5000 });
    expect(s.limits).to.deep.equal({ maxLossBps: 100, autonomyLimitUsd: 50_000, dailyBudgetUsd: 150_000, minHealthFactor: 1.6 });
    expect(s.borrowable).to.deep.equal([]);
    expect(s.classes).to.deep.equal(DEFAULT_CLASSES);
    expect(s.maxStalenessSeconds).to.deep.equal(DEFAULT_MAX_STALENESS);
  });

  it("refuses a typo inside a nested object and suggests the field", () => {
    const msg = errorOf(() => parseGuardrailSettings({ caps: { maxVolatilBps: 3000 } }, "settings.json"));
    expect(msg).to.include("settings.json");
    expect(msg).to.include('caps.maxVolatilBps: unknown field; did you mean "maxVolatileBps"?');
    expect(errorOf(() => parseGuardrailSettings({ limits: { dailyBudget: 1 } }))).to.include('limits.dailyBudget: unknown field; did you mean "dailyBudgetUsd"?');
    expect(errorOf(() => parseGuardrailSettings({ agent: [AGENT] }))).to.include('agent: unknown field; did you mean "agents"?');
  });

  it("names the path, the value and the rule for out-of-range numbers", () => {
    const msg = errorOf(() => parseGuardrailSettings({ limits: { maxLossBps: 20000 }, delaySeconds: 60 }));
    expect(msg).to.include("limits.maxLossBps = 20000: must be ≤ 10000");
    expect(msg).to.include("delaySeconds = 60: must be ≥ 3600 (1 hour)");
    expect(errorOf(() => parseGuardrailSettings({ limits: { autonomyLimitUsd: 200_000 } }))).to.include("autonomyLimitUsd is larger than dailyBudgetUsd");
    expect(errorOf(() => parseGuardrailSettings({ limits: { minHealthFactor: 0.9 } }))).to.include("limits.minHealthFactor = 0.9: must be ≥ 1 (below 1 Aave liquidates)");
  });

  it("refuses a bad checksum, the zero address, a non-address and duplicates, and checksums what it accepts", () => {
    const badChecksum = AGENT.slice(0, -1) + "6";
    const msg = errorOf(() =>
      parseGuardrailSettings({ agents: [badChecksum, "0x0000000000000000000000000000000000000000"], payees: ["0x1234"], guardians: [AGENT, AGENT] }),
    );
    expect(msg).to.include(`agents.0 = "${badChecksum}": has a wrong EIP-55 checksum`);
    expect(msg).to.include("agents.1 = \"0x0000000000000000000000000000000000000000\": is the zero address");
    expect(msg).to.include('payees.0 = "0x1234": is not an address');
    expect(msg).to.include("guardians.1");
    expect(msg).to.include("listed twice");
    expect(parseGuardrailSettings({ agents: [AGENT.toLowerCase()] }).agents).to.deep.equal([AGENT]);
  });

  it("merges classes and staleness over the defaults instead of replacing them", () => {
    const s = parseGuardrailSettings({ classes: { WBTC: "stable" }, maxStalenessSeconds: { WETH: 7200 } });
    expect(s.classes).to.deep.equal({ ...DEFAULT_CLASSES, WBTC: "stable" });
    expect(s.maxStalenessSeconds).to.deep.equal({ ...DEFAULT_MAX_STALENESS, WETH: 7200 });
  });

  it("names a symbol the deployment does not have (case-sensitive) and a class without staleness", () => {
    const msg = errorOf(() => checkSettingsAgainstTokens(parseGuardrailSettings({ classes: { WETh: "volatile" } }), TOKENS, "s.json"));
    expect(msg).to.include('classes.WETh: no token "WETh" in the deployment; did you mean "WETH"?');
    const withNewToken = { ...TOKENS, USDT: "0x5" };
    expect(errorOf(() => checkSettingsAgainstTokens(parseGuardrailSettings({ classes: { USDT: "stable" } }), withNewToken))).to.include(
      "maxStalenessSeconds.USDT = missing",
    );
    checkSettingsAgainstTokens(parseGuardrailSettings({ classes: { USDT: "stable" }, maxStalenessSeconds: { USDT: 90_000 } }), withNewToken);
    // Defaults for tokens a chain lacks are not errors (a chain without WBTC is fine).
    checkSettingsAgainstTokens(parseGuardrailSettings({}), { USDC: "0x1" });
  });

  it("reads files: missing file, invalid JSON, and the shipped example with every field", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "settings-"));
    try {
      expect(errorOf(() => loadGuardrailSettings(path.join(dir, "nope.json")))).to.include("no such file");
      fs.writeFileSync(path.join(dir, "bad.json"), '{"caps": {"maxVolatileBps": 3000,}}');
      expect(errorOf(() => loadGuardrailSettings(path.join(dir, "bad.json")))).to.include("is not valid JSON");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const example = path.join(__dirname, "..", "..", "scripts", "guardrails", "settings.example.json");
    const raw = JSON.parse(fs.readFileSync(example, "utf8"));
    const s = loadGuardrailSettings(example);
    // Every field of the schema appears in the example, so the README's commented copy is complete.
    expect(Object.keys(raw).sort()).to.deep.equal(Object.keys(s).sort());
    expect(s.agents).to.deep.equal([AGENT]);
    checkSettingsAgainstTokens(s, TOKENS);
  });
});
