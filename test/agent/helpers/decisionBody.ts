// A complete decision record body for journal tests (its fields as a cycle fills them); a test
// overrides what it is about.
import type { DecisionBody } from "../../../agent/src/journal";

export const decisionBody = (over: Partial<DecisionBody> = {}): DecisionBody => ({
  version: 1,
  cycleKey: "31337:0x0000000000000000000000000000000000000001:2024-03-01",
  date: "2024-03-01",
  chainId: 31337,
  safe: "0x0000000000000000000000000000000000000001",
  block: "12",
  safeNonce: 3,
  inputs: { market: { provider: "replay", sources: {}, issues: [] }, portfolio: { navUsd: 400000n * 10n ** 18n } },
  signals: { phase: "bear" },
  target: { usdc: 0.5, btc: 0.5 },
  plan: { steps: [] },
  check: { ok: true },
  simulation: { ok: true },
  verdict: { decision: "approve" },
  rationale: "test",
  model: null,
  path: "module",
  ...over,
});
