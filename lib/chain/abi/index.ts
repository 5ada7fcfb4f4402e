// Every ABI the treasury's clients use, typed `as const`: protocols (hand-kept, pinned to the npm
// artifacts) and our guardrails (generated from deployments/abi, pinned to it).
export * from "./protocols";
export * from "./guardrails";
