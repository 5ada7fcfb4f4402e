// The chain-client layer: deployments schema, typed ABIs, call encoders, Safe transaction helpers
// and revert decoding. The agent, scripts, tests and benchmarks import it; it imports no simulator.
export * from "./abi";
export * from "./deployments";
export * from "./encode";
export * from "./safe";
export * from "./revert";
export * from "./gas";
export * from "./policyTypes";
export * from "./cow";
