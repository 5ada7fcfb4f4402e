// `treasury`: the agent's command line. Bad input is one line on stderr and exit code 2.
import fs from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { ExitCode, UserError } from "./errors";
import { dayOf, isoOf, todayDay } from "./market/calendar";
import { DEFAULT_DATA_DIR, lastDecisionDay, loadHistory, ReplayProvider } from "./market/replay";
import type { MarketView } from "./market/types";
import { runBacktest } from "./backtest/run";
import { equityCsv, formatTable, toJson } from "./backtest/format";
import { walkForward, formatWalkForward, IN_SAMPLE, OUT_OF_SAMPLE } from "./backtest/walkforward";
import { anchoredFolds, formatFolds } from "./backtest/folds";
import { expiryEvidence, formatExpiryEvidence } from "./backtest/expiryEvidence";
import { Config, defaultConfig, loadConfig, withChainCaps } from "./strategy/config";
import { BENCHMARK_NAMES, DEFAULT_STRATEGY, STRATEGY_NAMES, strategyByName } from "./strategy/registry";
import { signalsFor } from "./strategy/signals";
import { POSITIONS, type StrategyInput, type Weights } from "./strategy/types";
import { registerCycleVerbs, type PortsFactory } from "./cycle/cli";
import { planPorts } from "./cycle/ports";
import { registerBackupVerbs } from "./cycle/backupCli";
import { registerLearnVerbs } from "./learn/cli";

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

function config(file?: string): Config {
  return file ? loadConfig(file) : defaultConfig();
}

function strategyOption(): Option {
  return new Option("--strategy <name>", `strategy: ${[...STRATEGY_NAMES, ...BENCHMARK_NAMES].join(", ")}`).default(DEFAULT_STRATEGY);
}

export function buildProgram(io: Io = stdio, ports: PortsFactory = planPorts): Command {
  const program = new Command("treasury")
    .description("Treasury agent: market signals, strategy and backtest (no chain needed), and the agent cycle on chain")
    // Errors on one line: commander's "(Did you mean --from?)" joins the message.
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (str, write) => write(str.trimEnd().replace(/\n+/g, " ") + "\n") })
    .exitOverride()
    .showHelpAfterError(false);

  program
    .command("backtest")
    .description("run a strategy day by day over history, side by side with the other strategies and the benchmarks")
    .option("--from <date>", "first day (YYYY-MM-DD)", "2018-02-01")
    .option("--to <date>", "last day (YYYY-MM-DD)", "2025-06-30")
    .addOption(strategyOption())
    .option("--data <dir>", "folder with the data/market files", DEFAULT_DATA_DIR)
    .option("--config <file>", "JSON settings (caps, costs, rates, base sleeve); see agent/README.md")
    .option("--json", "print one JSON object instead of a table")
    .option("--equity <file>", "write the daily value of every row as CSV")
    .option("--decisions <file>", "write the chosen strategy's decision record of every day as JSON lines")
    .action(
      (o: {
        from: string;
        to: string;
        strategy: string;
        data: string;
        config?: string;
        json?: boolean;
        equity?: string;
        decisions?: string;
      }) => {
        const cfg = config(o.config);
        const h = loadHistory(o.data);
        const out = runBacktest(h, { from: o.from, to: o.to, strategy: o.strategy, config: cfg, keepDecisions: !!o.decisions });
        const write = (flag: string, file: string, text: string) => {
          try {
            fs.writeFileSync(file, text);
          } catch (e) {
            throw new UserError(`cannot write ${flag} ${file}: ${(e as Error).message}; pick a writable path`);
          }
        };
        if (o.equity) write("--equity", o.equity, equityCsv(out.runs));
        if (o.decisions) write("--decisions", o.decisions, out.runs[0].decisions!.map((d) => JSON.stringify(d)).join("\n") + "\n");
        io.out(
          o.json
            ? toJson(o.from, o.to, out.results) + "\n"
            : `Backtest ${o.from} → ${o.to}, $${cfg.capitalUsd.toLocaleString("en-US")}, fills at the next day's close, fees ${cfg.costs.swapFeeBps}+${cfg.costs.slippageBps} bps, gas $${cfg.costs.gasUsdPerRebalance}/rebalance\n${formatTable(out.results)}\n`,
        );
      },
    );

  program
    .command("walkforward")
    .description(`parameters fixed on ${IN_SAMPLE.from} → ${IN_SAMPLE.to}, judged on ${OUT_OF_SAMPLE.from} → ${OUT_OF_SAMPLE.to}`)
    .option("--data <dir>", "folder with the data/market files", DEFAULT_DATA_DIR)
    .option("--config <file>", "JSON settings")
    .option("--json", "print JSON")
    .option("--folds", "also re-run the whole selection with the in-sample window ending each year 2019–2022, judged on the next year")
    .action((o: { data: string; config?: string; json?: boolean; folds?: boolean }) => {
      const h = loadHistory(o.data);
      const cfg = config(o.config);
      const wf = walkForward(h, cfg);
      const folds = o.folds ? anchoredFolds(h, cfg) : undefined;
      const expiry = expiryEvidence(h, cfg);
      if (o.json) io.out(JSON.stringify({ ...wf, folds, expiry }) + "\n");
      else io.out(formatWalkForward(wf) + "\n" + (folds ? formatFolds(folds) + "\n" : "") + formatExpiryEvidence(expiry) + "\n");
    });

  program
    .command("signals")
    .description("a day's indicators, phase, mode, target weights and reasons")
    .option("--date <date>", "decision day (default: the day after the last data for replay, today for --live)")
    .option("--live", "ask the live market APIs instead of the data files")
    .addOption(strategyOption())
    .option("--data <dir>", "folder with the data/market files", DEFAULT_DATA_DIR)
    .option("--config <file>", "JSON settings")
    .option("--json", "print JSON")
    .option("--rpc <url>", "read what the Safe holds and the caps in force from this node (default: env RPC_URL; without one the treasury is assumed to hold the strategy's earlier targets)")
    .action(async (o: { date?: string; live?: boolean; strategy: string; data: string; config?: string; json?: boolean; rpc?: string }) => {
      let cfg = config(o.config);
      // What the treasury holds: read on chain when a node is configured; otherwise the replay's own
      // assumption (it held each earlier target), said in the output so nobody mistakes it for the chain.
      const rpc = (o.rpc ?? process.env.RPC_URL ?? "").trim();
      let held: { source: "chain"; block: string; safe: string; weights: Weights; caps: Config["caps"]; leverage: StrategyInput["leverage"] | null } | { source: "assumed"; note: string };
      if (rpc) {
        const { readTreasury } = await import("./chain/readAt");
        const { heldWeights, heldLeverage } = await import("./cycle/decide");
        const p = await readTreasury(rpc, (process.env.DEPLOYMENTS_FILE ?? "").trim() || "deployments/local.json");
        cfg = withChainCaps(cfg, p.policy.caps);
        const weights = heldWeights(p);
        // The debt the Safe owes, as the cycle passes it: a play's open position is seen as open
        // (not closed for lack of debt, nor entered again), as in `treasury once`.
        held = { source: "chain", block: p.blockNumber.toString(), safe: p.safe.address, weights, caps: cfg.caps, leverage: heldLeverage(p, weights) ?? null };
      } else {
        held = { source: "assumed", note: "no RPC_URL: the chain was not read; the treasury is assumed to hold the strategy's earlier targets and the caps of the settings file (set RPC_URL to compare with what the Safe holds)" };
      }
      const strategy = strategyByName(o.strategy, cfg);
      if (!strategy)
        throw new UserError(`unknown strategy "${o.strategy}"; choose one of ${[...STRATEGY_NAMES, ...BENCHMARK_NAMES].join(", ")}`);
      let view: MarketView;
      if (o.live) {
        const { LiveProvider } = await import("./market/live/provider");
        const today = isoOf(todayDay());
        if (o.date && o.date !== today)
          throw new UserError(`--live answers for today (${today}) only; drop --date or drop --live to replay ${o.date}`);
        view = await LiveProvider.fromEnv().view(today);
      } else {
        const replay = ReplayProvider.fromDir(o.data);
        const date = o.date ?? isoOf(lastDecisionDay(replay.history));
        dayOf(date);
        view = replay.viewSync(date);
      }
      const { decision, indicators } = signalsFor(view, strategy, 120, held.source === "chain" ? held.weights : undefined, held.source === "chain" ? (held.leverage ?? undefined) : undefined);
      if (o.json) {
        io.out(
          JSON.stringify({ date: view.date, source: o.live ? "live" : "replay", held, indicators, decision, options: view.options ?? null }) +
            "\n",
        );
        return;
      }
      const lines = [`Signals for ${view.date} (${o.live ? "live" : "replay"}), strategy ${strategy.name}`];
      if (decision.phase) lines.push(`phase ${decision.phase}, mode ${decision.mode}, risk ${decision.risk}/5`);
      lines.push(
        `indicators: ${Object.entries(indicators)
          .map(([k, v]) => `${k}=${v === null ? "—" : +Number(v).toPrecision(6)}`)
          .join(" ")}`,
      );
      if (view.options)
        lines.push(
          `options: next quarterly expiry ${view.options.nextExpiry}${view.options.maxPain ? `, max pain ${view.options.maxPain} (${view.options.maxPainSource})` : ""}`,
        );
      lines.push(
        held.source === "chain"
          ? `held (on chain, Safe ${held.safe} at block ${held.block}): ${POSITIONS.map((p) => `${p} ${(held.weights[p] * 100).toFixed(1)}%`).join(", ")}${held.leverage ? `; USDC owed to Aave ${(held.leverage.borrow * 100).toFixed(1)}% of NAV (${held.leverage.buy} bought)` : ""}; caps volatile ${held.caps.maxVolatileBps / 100}%, protocol ${held.caps.maxProtocolBps / 100}%, position ${held.caps.maxPositionBps / 100}%`
          : `held: assumed, ${held.note}`,
      );
      lines.push(`targets: ${POSITIONS.map((p) => `${p} ${(decision.targets[p] * 100).toFixed(1)}%`).join(", ")}`);
      lines.push(
        decision.hold
          ? "HOLD: no trade (data missing or rejected)"
          : decision.rebalance
            ? `rebalance: ${decision.triggers.join("; ")}`
            : held.source === "chain"
              ? "no rebalance needed"
              : "no rebalance needed if the treasury holds the earlier targets (assumed: the chain was not read)",
      );
      for (const r of decision.reasons) lines.push(`  - ${r.says}`);
      for (const i of decision.issues) lines.push(`  ! ${i.reason}`);
      io.out(lines.join("\n") + "\n");
    });
  registerCycleVerbs(program, io, ports);
  registerBackupVerbs(program, io);
  registerLearnVerbs(program, io);
  return program;
}

/** Runs the CLI; resolves to the exit code (0 ok, 2 bad input, 1 a failed or aborted cycle, an unreachable chain or service, an unexpected failure). */
export async function main(argv: string[], io: Io = stdio, ports?: PortsFactory): Promise<number> {
  const program = buildProgram(io, ports);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.help" || e.code === "commander.version") return 0;
      return 2; // commander already printed "error: …"
    }
    if (e instanceof ExitCode) return e.code;
    if (e instanceof UserError) {
      io.err(`error: ${e.message}\n`);
      return 2;
    }
    // One line, never a client's multi-line dump: a revert decoded, an HTTP failure with its URL.
    const { errorText } = await import("./cycle/errors");
    const text = errorText(e);
    io.err(`error: ${text}${/^HTTP request to /.test(text) ? ": check that the node or service at that URL runs, and the setting that names it (RPC_URL, SAFE_TX_SERVICE_URL, …)" : ""}\n`);
    return 1;
  }
}
