// The learning verbs of `treasury`: `insights` (which triggers, regimes and plays helped or hurt,
// from the chain's decisions or a backtest; monthly reports; a suggested config diff) and
// `config apply FILE` (the owners apply a change; it is journaled).
import fs from "node:fs";
import os from "node:os";
import type { Command } from "commander";
import { UserError } from "../errors";
import { dayOf, isoOf } from "../market/calendar";
import { DEFAULT_DATA_DIR, lastDecisionDay, loadHistory } from "../market/replay";
import { defaultConfig, loadConfig } from "../strategy/config";
import { DEFAULT_STRATEGY, STRATEGY_NAMES, strategyByName } from "../strategy/registry";
import { checkWindow } from "../backtest/run";
import { formatGroup, insights, MIN_CASES, type Insights, type Outcome } from "../../../lib/analytics/insights";
import { backtestOutcomes } from "./backtest";
import { monthlyReport, monthsBetween, writeMonthlyReport } from "./report";
import { suggestStrategy } from "./suggest";
import { outcomesFromChain } from "./chain";

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)}%`);

export function formatInsights(ins: Insights, source: string): string {
  const lines = [
    `Insights ${ins.from ?? "?"} → ${ins.to ?? "?"} (${source}): ${ins.decisions} decisions, judged ${ins.scored}, win rate ${pct(ins.winRate)}, quality score ${ins.qualityScore === null ? "—" : ins.qualityScore.toFixed(1)}`,
    `gas+fees $${ins.gas.costUsd.toFixed(0)} against gains over holding still $${ins.gas.gainUsd.toFixed(0)}${ins.gas.costToGain === null ? "" : ` (${pct(ins.gas.costToGain)} of gains)`}`,
    `helped: ${ins.helped.join(", ") || "none"}`,
    `hurt: ${ins.hurt.join(", ") || "none"}`,
    `no claim from fewer than ${ins.minCases} judged decisions`,
    ...ins.groups.map((g) => `  ${formatGroup(g)}`),
  ];
  return lines.join("\n") + "\n";
}

export function registerLearnVerbs(program: Command, io: Io): void {
  program
    .command("insights")
    .description("which triggers, phases, modes, plays and indicator ranges helped or hurt against holding still (win rate, quality score, gas against gains)")
    .option("--from <date>", "first decision day (YYYY-MM-DD)")
    .option("--to <date>", "last decision day (YYYY-MM-DD)")
    .option("--json", "print JSON")
    .option("--backtest", "judge a backtest's decisions over --from/--to (market data, no chain) instead of the chain's (journal + INDEXER_URL)")
    .option("--strategy <name>", `strategy for --backtest and --suggest: ${STRATEGY_NAMES.join(", ")}`, DEFAULT_STRATEGY)
    .option("--data <dir>", "folder with the data/market files", DEFAULT_DATA_DIR)
    .option("--strategy-config <file>", "strategy settings (caps, costs, rates) for --backtest and --suggest")
    .option("--config <file>", "agent config (journal, INDEXER_URL) for the chain's decisions; default $AGENT_CONFIG")
    .option("--min-cases <n>", `fewest judged decisions a claim is drawn from`, String(MIN_CASES))
    .option("--report <dir>", "also write insights-YYYY-MM.json and .html for every month of the window into this folder")
    .option("--suggest <file>", "also write a config diff: the strategy the walk-forward selection picks on the data up to --as-of, when it beats the current one on the held-out last year")
    .option("--as-of <date>", "the day the suggestion is made for (data before it only); default the day after the data")
    .action(
      async (o: { from?: string; to?: string; json?: boolean; backtest?: boolean; strategy: string; data: string; strategyConfig?: string; config?: string; minCases: string; report?: string; suggest?: string; asOf?: string }) => {
        const minCases = Number(o.minCases);
        if (!Number.isInteger(minCases) || minCases < 1) throw new UserError(`--min-cases ${o.minCases} is not a positive integer; give e.g. ${MIN_CASES}`);
        for (const v of [o.from, o.to, o.asOf]) if (v) dayOf(v);
        if (o.from && o.to && o.from > o.to) throw new UserError(`--from ${o.from} is after --to ${o.to}; swap them`);
        const sc = o.strategyConfig ? loadConfig(o.strategyConfig) : defaultConfig();
        let outcomes: Outcome[];
        let source: string;
        const needHistory = o.backtest || o.suggest;
        const h = needHistory ? loadHistory(o.data) : null;
        if (o.backtest) {
          const s = strategyByName(o.strategy, sc);
          if (!s) throw new UserError(`unknown strategy "${o.strategy}"; choose one of ${STRATEGY_NAMES.join(", ")}`);
          const from = o.from ?? "2024-01-01";
          const to = o.to ?? isoOf(lastDecisionDay(h!) - 1);
          const w = checkWindow(h!, from, to);
          outcomes = backtestOutcomes(h!, s, w.fromDay, w.toDay, sc);
          source = `backtest of ${s.name}`;
        } else {
          outcomes = await outcomesFromChain(o.config);
          source = "chain: journal + indexer";
        }
        const ins = insights(outcomes, { from: o.from, to: o.to, minCases });
        const written: string[] = [];
        if (o.report && outcomes.length) {
          const from = o.from ?? outcomes[0].date;
          const to = o.to ?? outcomes[outcomes.length - 1].date;
          for (const m of monthsBetween(from, to)) {
            const p = writeMonthlyReport(o.report, monthlyReport(outcomes, m, { minCases }));
            written.push(p.json, p.html);
          }
        }
        let suggestion: unknown;
        if (o.suggest) {
          const asOf = o.asOf ?? isoOf(lastDecisionDay(h!));
          const diff = suggestStrategy(h!, sc, o.strategy, asOf);
          try {
            fs.writeFileSync(o.suggest, JSON.stringify(diff, null, 2) + "\n");
          } catch (e) {
            throw new UserError(`cannot write --suggest ${o.suggest}: ${(e as Error).message}; pick a writable path`);
          }
          suggestion = { file: o.suggest, changes: diff.changes, why: diff.evidence.why };
          written.push(o.suggest);
        }
        if (o.json) io.out(JSON.stringify({ source, ...ins, written, suggestion: suggestion ?? null }) + "\n");
        else {
          io.out(formatInsights(ins, source));
          if (suggestion) io.out(`suggestion: ${(suggestion as { why: string }).why}${(suggestion as { changes: unknown[] }).changes.length ? ` → apply with: treasury config apply ${o.suggest}` : ""}\n`);
          for (const f of written) io.out(`wrote ${f}\n`);
        }
      },
    );

  const config = program.command("config").description("the agent's configuration");
  config
    .command("apply <file>")
    .description("apply a config (or a config diff from `treasury insights --suggest`): validated as the agent loads it, recorded in the journal (who, when, what changed), then written")
    .option("--config <file>", "the agent config file to change; default $AGENT_CONFIG")
    .option("--by <name>", "who applies it (recorded in the journal); default the OS user")
    .option("--json", "print JSON")
    .action(async (file: string, o: { config?: string; by?: string; json?: boolean }) => {
      const { applyConfig } = await import("../config/apply");
      const r = await applyConfig({ source: file, target: o.config ?? process.env.AGENT_CONFIG, by: o.by ?? os.userInfo().username, env: process.env });
      if (o.json) io.out(JSON.stringify(r) + "\n");
      else if (!r.changes.length) io.out(`no change: ${r.target} already holds that config\n`);
      else io.out(`applied to ${r.target} by ${r.by} at ${r.at} (journaled):\n${r.changes.map((c) => `  ${c.path}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join("\n")}\n`);
    });
}
