// The forced tool Claude must call, its JSON schema (strict-mode subset) and the zod schema its
// input is validated with. The two describe the same shape; zod is what we trust.
import { z } from "zod";
import { RISK_FLAGS } from "./types";

export const TOOL_NAME = "record_review";

export const TOOL = {
  name: TOOL_NAME,
  description:
    "Record the risk review of a proposed Safe treasury batch. decision=modify keeps a subset of the planned steps, each with an amount no larger than planned; list them in modified_steps (empty for approve and reject).",
  strict: true,
  input_schema: {
    type: "object",
    additionalProperties: false,
    required: ["decision", "reasons", "risk_flags", "confidence", "modified_steps"],
    properties: {
      decision: { type: "string", enum: ["approve", "reject", "modify"] },
      reasons: { type: "array", items: { type: "string" } },
      risk_flags: { type: "array", items: { type: "string", enum: [...RISK_FLAGS] } },
      confidence: { type: "number", minimum: 0, maximum: 1 },
      modified_steps: {
        type: "array",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["step_id", "amount"],
          properties: { step_id: { type: "string" }, amount: { type: "string", description: "raw token units, decimal integer" } },
        },
      },
    },
  },
} as const;

export const ToolInputSchema = z
  .strictObject({
    decision: z.enum(["approve", "reject", "modify"]),
    reasons: z.array(z.string().max(2_000)).min(1).max(20),
    risk_flags: z.array(z.enum(RISK_FLAGS)).max(RISK_FLAGS.length),
    confidence: z.number().min(0).max(1),
    modified_steps: z.array(z.strictObject({ step_id: z.string().min(1), amount: z.string() })).max(100),
  })
  .superRefine((v, ctx) => {
    if (v.decision === "modify" && v.modified_steps.length === 0) ctx.addIssue({ code: "custom", path: ["modified_steps"], message: "modify needs modified_steps" });
    if (v.decision !== "modify" && v.modified_steps.length > 0) ctx.addIssue({ code: "custom", path: ["modified_steps"], message: `${v.decision} must not carry modified_steps` });
  });
export type ToolInput = z.infer<typeof ToolInputSchema>;
