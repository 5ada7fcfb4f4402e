// The indexer's generated `as const` ABIs must be the ones the current contracts compile to
// (hardhat compile rewrites them; this catches a stale committed copy).
import { expect } from "chai";
import path from "node:path";

const gen = require(path.join(__dirname, "..", "..", "indexer", "scripts", "abis.cjs")) as { indexerAbisCurrent: () => boolean; OUT: string };

describe("indexer ABIs", () => {
  it("indexer/abis/generated/abis.ts is current with deployments/abi and Safe 1.4.1", () => {
    expect(gen.indexerAbisCurrent(), `${gen.OUT} is stale: run \`npm run compile\` and commit it`).to.equal(true);
  });
});
