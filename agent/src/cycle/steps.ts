// The cycle's default steps on a runtime: the chain reader, the market provider + strategy, the
// planner, the TypeScript check, the simulator and the approver (Claude when a key is set, else the
// rules). `plan`, `check`, `simulate` come from agent/src/plan, agent/src/risk and agent/src/chain.
import { readPortfolio } from "../chain/portfolio";
import type { Portfolio } from "../chain/types";
import { approve, ClaudeApprover } from "../approval";
import { ReplayProvider } from "../market/replay";
import type { MarketProvider } from "../market/types";
import { strategyByName, STRATEGY_NAMES } from "../strategy/registry";
import { defaultConfig, withChainCaps } from "../strategy/config";
import { UserError } from "../errors";
import { decideFor } from "./decide";
import type { CycleSteps, Decided } from "./types";
import type { Runtime } from "./runtime";

export type PlanPorts = Pick<CycleSteps<Portfolio>, "plan" | "check" | "simulate" | "risk" | "register">;

export function marketProvider(rt: Runtime): MarketProvider {
  if (rt.cfg.market.source === "live") {
    const { LiveProvider } = require("../market/live/provider") as typeof import("../market/live/provider");
    return LiveProvider.fromEnv();
  }
  return ReplayProvider.fromDir(rt.cfg.market.dataDir);
}

export function defaultSteps(rt: Runtime, ports: PlanPorts, o: { provider?: MarketProvider; env?: NodeJS.ProcessEnv } = {}): CycleSteps<Portfolio> {
  const env = o.env ?? process.env;
  const base = defaultConfig();
  if (!strategyByName(rt.cfg.strategy, base)) throw new UserError(`config strategy: unknown strategy "${rt.cfg.strategy}"; choose one of ${STRATEGY_NAMES.join(", ")}`);
  let provider = o.provider;
  const apiKey = env[rt.cfg.anthropic.apiKeyEnv]?.trim();
  if (apiKey && !rt.cfg.anthropic.model) throw new UserError(`config anthropic.model (env ANTHROPIC_MODEL): required with ${rt.cfg.anthropic.apiKeyEnv}; set ANTHROPIC_MODEL (e.g. claude-sonnet-4-6) or unset the key for rule-based approval only`);
  const llm = apiKey ? new ClaudeApprover({ apiKey, model: rt.cfg.anthropic.model!, baseURL: rt.cfg.anthropic.baseUrl, timeoutMs: rt.cfg.anthropic.timeoutMs }) : undefined;
  // The decision under review, for the reviewer's past outcomes (agent/src/learn/reviewer.ts).
  let lastDecision: Decided["decision"] | undefined;
  return {
    read: () => readPortfolio(rt.ctx.client, rt.deployment),
    // The strategy targets the caps the policy enforces at the block read, not the defaults: after
    // the owners tighten a cap, the very next cycle plans within it.
    decide: async (p, date) => {
      const d = await decideFor((provider ??= marketProvider(rt)), strategyByName(rt.cfg.strategy, withChainCaps(base, p.policy.caps))!, p, date);
      lastDecision = d.decision;
      return d;
    },
    ...ports,
    approve: async (req) => {
      if (!req.learning && lastDecision) {
        const { learningFor } = await import("../learn/reviewer");
        const l = await learningFor({ journal: rt.journal, indexerUrl: rt.cfg.server.indexerUrl }, lastDecision);
        if (l.learning) req = { ...req, learning: l.learning };
        else rt.log.debug({ why: l.why }, "approval without past outcomes");
      }
      return approve(req, { llm });
    },
  };
}
