// `treasury run` keeps watch between cycles (local world over JSON-RPC, as `npm start` runs it): with
// a day between cycles, a guardian's pause after the first cycle is alerted by the watch loop and wakes
// the cycle loop, whose second cycle runs at once (held: the agent is paused). Without the wake-up the
// run would wait a day for its second cycle (the test would time out).
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { createWalletClient, createPublicClient, getAddress, http, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { main } from "../../../agent/src/cli";
import { treasuryPolicyAbi } from "../../../lib/chain/abi";
import { startLocalChain, testKey, type LocalChain } from "../../../scripts/world/childChain";
import { startWebhookReceiver, type WebhookReceiver } from "../../../scripts/standins/alertServers";

const SECRET = `whsec_${randomBytes(24).toString("base64")}`;

describe("agent/watch: treasury run wakes the cycle loop on a critical event (local world)", function () {
  this.timeout(600_000);
  let chain: LocalChain;
  let rx: WebhookReceiver;

  before(async () => {
    chain = await startLocalChain("watch-run");
    rx = await startWebhookReceiver(SECRET);
  });
  after(async () => {
    await rx?.close();
    await chain?.stop();
  });

  it("a guardian's pause between cycles: alerted by the watch, and the next cycle runs at once (held: paused)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "watch-run-"));
    const depFile = path.join(dir, "deployment.json");
    fs.writeFileSync(depFile, JSON.stringify(chain.deployment));
    const env: Record<string, string> = {
      RPC_URL: chain.rpcUrl,
      DEPLOYMENTS_FILE: depFile,
      AGENT_DATA_DIR: path.join(dir, "agent"),
      AGENT_PRIVATE_KEY: testKey(4),
      LOG_LEVEL: "silent",
      ALERT_WEBHOOK_URL: `${rx.origin}/hook`,
      ALERT_WEBHOOK_SECRET: SECRET,
      WATCH_INTERVAL_SECONDS: "1",
    };
    const policy = getAddress((chain.deployment.guardrails as Record<string, string>).policy) as Address;
    const client = createPublicClient({ transport: http(chain.rpcUrl) });
    const guardian = createWalletClient({ account: privateKeyToAccount(testKey(7)), chain: { ...foundry, id: chain.deployment.chainId }, transport: http(chain.rpcUrl) });
    let out = "";
    let paused: Promise<unknown> | undefined;
    const saved = { ...process.env };
    Object.assign(process.env, env);
    let code: number;
    try {
      code = await main(["node", "treasury", "run", "--interval", "86400", "--max-cycles", "2"], {
        out: (s) => {
          out += s;
          // After the first cycle, while the loop waits a day for the next: a guardian pauses the agent.
          if (!paused && /^cycle /m.test(out)) paused = guardian.writeContract({ address: policy, abi: treasuryPolicyAbi, functionName: "pause" }).then((h) => client.waitForTransactionReceipt({ hash: h }));
        },
        err: () => undefined,
      });
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(code, out).to.equal(0);
    await paused;
    const cycles = out.match(/^cycle \S+: \S+/gm) ?? [];
    expect(cycles, out).to.have.length(2);
    // The second cycle is the same day: the journal's one decision per day holds (already), or it is held (paused).
    expect(cycles[1]).to.match(/: (ALREADY|SKIPPED)$/);
    const kinds = rx.received.map((r) => (JSON.parse(r.body) as { data: { kind: string } }).data.kind);
    expect(kinds).to.include("agent.paused");
    expect(rx.received.every((r) => r.verified)).to.equal(true);
  });
});
