// The guardrail ABIs come from the one chain-client layer (lib/chain); short names for this step.
export { agentModuleAbi as moduleAbi, treasuryPolicyAbi as policyAbi, safeAbi } from "../../../lib/chain";
