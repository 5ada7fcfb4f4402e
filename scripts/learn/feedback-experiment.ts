// The honest test of feedback (issue 19 §4): trend-dd with its parameters fixed before 2024, run on
// 2024-01 → 2025-06 with and without the feedback; prints the table for docs/strategy.md and, with
// --json, the whole experiment. Usage: ts-node --transpile-only scripts/learn/feedback-experiment.ts [--json] [--strategy NAME] [--min-cases N]
import { loadHistory } from "../../agent/src/market/replay";
import { defaultConfig } from "../../agent/src/strategy/config";
import { feedbackExperiment, formatExperiment } from "../../agent/src/learn/experiment";

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const e = feedbackExperiment(loadHistory(), defaultConfig(), { strategy: arg("--strategy"), minCases: arg("--min-cases") ? Number(arg("--min-cases")) : undefined });
process.stdout.write(process.argv.includes("--json") ? JSON.stringify(e, null, 2) + "\n" : formatExperiment(e) + "\n");
