// A plausible approval request: approve + supply 50,000 USDC to Aave v3 on a $400k treasury.
import type { ApprovalRequestInput } from "../../../agent/src/approval";

export const USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
export const POOL = "0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2";

export function request(over: Partial<ApprovalRequestInput> = {}): ApprovalRequestInput {
  return {
    decisionId: "d-2024-03-01",
    plan: {
      steps: [
        { id: "approve-usdc", kind: "approve", protocol: "erc20", target: USDC, token: USDC, amount: "50000000000", amountUsd: 0, description: "approve the Aave pool for 50,000 USDC" },
        { id: "supply-usdc", kind: "deposit", protocol: "aave-v3", target: POOL, token: USDC, amount: "50000000000", amountUsd: 50_000, description: "supply 50,000 USDC to Aave v3" },
      ],
    },
    rationale: "drift 6% above the band: move idle USDC into Aave",
    simulation: { ok: true, navBeforeUsd: 400_000, navAfterUsd: 399_990, gasUsed: 310_000, weightsAfter: { USDC: 0.22 }, headroomUsd: { dailyBudget: 50_000 } },
    limits: { maxPlanUsd: 100_000, maxNavLossBps: 50 },
    data: { asOf: "2024-03-01T00:00:00Z", staleSources: [], pricesBroken: false },
    market: [{ source: "coingecko", text: "BTC 62,000 USD, 24h +3.1%" }],
    ...over,
  };
}
