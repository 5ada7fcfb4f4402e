// The guardrail functions and events the execution step uses (as const: viem types the arguments).
import { parseAbi } from "viem";

export const moduleAbi = parseAbi([
  "function execute((address to, uint256 value, bytes data)[] calls, bytes32 decisionHash) returns (uint256 sizeUsd)",
  "function emergencyExit()",
  "function remainingBudget() view returns (uint256)",
  "event AgentExecuted(address indexed agent, bytes32 indexed decisionHash, uint256 navBefore, uint256 navAfter, uint256 sizeUsd, uint256 usedLast24hUsd, uint256 calls, bool outcomeChecked)",
  "event EmergencyExitStarted(address indexed guardian)",
  "event PositionExited(address indexed token, bool success, uint256 balanceBefore, uint256 balanceAfter)",
]);

export const policyAbi = parseAbi([
  "function recordDecision(bytes32 decisionHash)",
  "function pause()",
  "function paused() view returns (bool)",
  "event DecisionRecorded(bytes32 indexed decisionHash, address indexed by)",
]);

export const safeAbi = parseAbi(["function nonce() view returns (uint256)"]);
