// The invariant campaign at scale, outside `npm test` (which runs 40 sequences):
//   npm run fuzz -- --sequences 1000 [--steps 12] [--from 1] [--out bench/fuzz.json]
// Each sequence is a seeded random walk of agent actions on a fresh guarded world (in-process
// Hardhat network, reverted to one snapshot per sequence), with every invariant of
// test/guardrails/invariant.campaign.ts checked after every step. A failing sequence is recorded
// (seed, step, message) and the campaign goes on. Writes bench/fuzz.json as it goes (every 25
// sequences and at the end) and exits 1 if any sequence failed. Reproduce one failure with
// `npm run fuzz -- --from <seed> --sequences 1`.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { leveragedWorldFixture } from "../test/helpers/guarded";
import { newStats, runSequence, summary } from "../test/guardrails/invariant.campaign";

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name}: expected a positive integer, got "${raw}" (e.g. --${name} ${fallback})`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sequences: { type: "string" },
      steps: { type: "string" },
      from: { type: "string" },
      out: { type: "string" },
    },
    strict: true,
  });
  const sequences = positiveInt("sequences", values.sequences, 1000);
  const steps = positiveInt("steps", values.steps, 12);
  const from = positiveInt("from", values.from, 1);
  const out = path.resolve(values.out ?? path.join(__dirname, "..", "bench", "fuzz.json"));

  const stats = newStats();
  const failures: { seed: number; message: string }[] = [];
  const started = Date.now();
  const write = (complete: boolean, done: number) => {
    const secs = (Date.now() - started) / 1000;
    const report = {
      generatedAt: new Date().toISOString(),
      command: `npm run fuzz -- --sequences ${sequences} --steps ${steps} --from ${from}`,
      network: "hardhat in-process (EDR), one fresh guarded world per sequence (snapshot/revert)",
      complete,
      sequences: done,
      sequencesRequested: sequences,
      steps,
      stepsRun: stats.steps,
      seeds: { from, to: from + done - 1 },
      failures: failures.length,
      failedSeeds: failures,
      timeSeconds: Math.round(secs * 10) / 10,
      sequencesPerMinute: secs > 0 ? Math.round((done / secs) * 60 * 10) / 10 : 0,
      stats,
      summary: summary(stats, steps, secs.toFixed(1)),
    };
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
  };

  console.log(`fuzz: ${sequences} sequences x ${steps} steps from seed ${from}; writing ${path.relative(process.cwd(), out)}`);
  for (let i = 0; i < sequences; i++) {
    const seed = from + i;
    try {
      const g = await loadFixture(leveragedWorldFixture);
      await runSequence(g, seed, stats, steps);
    } catch (e) {
      const message = (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 500);
      failures.push({ seed, message });
      console.log(`  seed ${seed}: FAILED ${message}`);
    }
    if ((i + 1) % 25 === 0 || i + 1 === sequences) {
      write(i + 1 === sequences, i + 1);
      const secs = (Date.now() - started) / 1000;
      console.log(`  ${i + 1}/${sequences} sequences, ${failures.length} failed, ${secs.toFixed(0)} s`);
    }
  }
  for (const line of summary(stats, steps, ((Date.now() - started) / 1000).toFixed(1))) console.log(line);
  process.exitCode = failures.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
