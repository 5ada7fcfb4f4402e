// `npm start` refuses bad input before it compiles or starts anything: one line on stderr naming the
// fix, exit 2 (a mistyped option, a busy --port, an API key without its model).
import { expect } from "chai";
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

function npmStart(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
    const child = spawn("npm", ["start", "--silent", "--", "--skip-compile", ...args], { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.once("exit", (code) => resolve({ code, out, err }));
  });
}

describe("npm start: bad input is one line and exit 2, before anything starts", function () {
  this.timeout(120_000);

  it("a mistyped option suggests the known one", async () => {
    const r = await npmStart(["--prot", "8545"]);
    expect(r.code, r.err).to.equal(2);
    expect(r.err).to.equal("npm start: unknown option --prot; did you mean --port? (npm start -- --help lists the options)\n");
    expect(r.out).to.not.include("[start]");
    const far = await npmStart(["--frobnicate"]);
    expect(far.err).to.equal("npm start: unknown option --frobnicate (npm start -- --help lists the options)\n");
  });

  it("a busy --port says the port is in use (not that anvil exited early)", async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const r = await npmStart(["--port", String(port)]);
      expect(r.code, r.err).to.equal(2);
      expect(r.err).to.equal(`npm start: port ${port} on 127.0.0.1 is in use (an earlier npm start, anvil or another service): stop it, pick another with --port, or leave --port out for a free one\n`);
      expect(r.out).to.not.include("starting anvil");
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });

  it("ANTHROPIC_API_KEY without ANTHROPIC_MODEL: refused at start, never 'Claude + rules' then an agent dead with code 2", async () => {
    const r = await npmStart([], { ANTHROPIC_API_KEY: "sk-ant-test-never-sent", ANTHROPIC_MODEL: undefined });
    expect(r.code, r.err).to.equal(2);
    expect(r.err).to.equal("npm start: ANTHROPIC_API_KEY is set but ANTHROPIC_MODEL is not: set ANTHROPIC_MODEL to the model id (e.g. claude-sonnet-4-6), or unset ANTHROPIC_API_KEY for the rule-based approver\n");
    expect(r.out).to.not.include("Claude + rules");
    expect(r.out).to.not.include("starting anvil");
  });
});
