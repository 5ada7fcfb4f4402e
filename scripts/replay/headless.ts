// A whole replay with no server: the system up, the window replayed, the reports written, all of it
// stopped. For `npm start -- --headless`, `npm run bench:system` and the whole-system test.
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import { makeProgress, type Progress } from "./progress";
import { runSession, type SessionResult } from "./session";
import { killAll, replayWindow, startSystem } from "./system";

export interface HeadlessResult extends SessionResult {
  /** Transactions mined during the replay (the world's, the agent's and the owners'). */
  txs: number;
  setupSeconds: number;
  /** The agent's data folder (journal; indexer database under indexer/), kept after the run. */
  dataDir: string;
}

export async function replayHeadless(o: {
  from: string;
  to: string;
  signerDelayDays?: number;
  reportsDir?: string;
  progress?: Progress;
  stopped?: () => boolean;
  log?: (s: string) => void;
}): Promise<HeadlessResult> {
  const window = replayWindow(o.from, o.to);
  const t0 = performance.now();
  // A throwaway deployments folder and journal: the headless run touches nothing of npm start's.
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "replay-"));
  const children: import("node:child_process").ChildProcess[] = [];
  const sys = await startSystem({ window, outDir, network: "replay", instance: `replay-${path.basename(outDir)}`, server: false, indexer: true, log: o.log }, children);
  const onExit = () => killAll(sys);
  process.once("exit", onExit);
  try {
    const b0 = Number(await sys.world.rpc("eth_blockNumber", []));
    const setupSeconds = (performance.now() - t0) / 1000;
    const r = await runSession({
      world: sys.world,
      agent: sys.agent,
      indexer: sys.indexer,
      history: window.history,
      fromDay: window.fromDay,
      toDay: window.toDay,
      signerDelayDays: o.signerDelayDays ?? 0,
      initialUsd: sys.initialUsd,
      progress: o.progress ?? makeProgress({ tty: false, out: o.log }),
      stopped: o.stopped ?? (() => false),
      reportsDir: o.reportsDir,
    });
    const b1 = Number(await sys.world.rpc("eth_blockNumber", []));
    let txs = 0;
    for (let b = b0 + 1; b <= b1; b++) txs += Number(await sys.world.rpc("eth_getBlockTransactionCountByNumber", ["0x" + b.toString(16)]));
    return { ...r, txs, setupSeconds, dataDir: sys.dataDir };
  } finally {
    await sys.stop();
    process.off("exit", onExit);
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}
