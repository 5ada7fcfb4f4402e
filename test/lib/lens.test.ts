// The committed simulation lens is the compiled SimulateLens.sol (regenerate with `npm run gen:abi`).
import fs from "node:fs";
import { expect } from "chai";
import { LENS_FILE, renderLens } from "../../scripts/abi/gen-lens";

describe("lib/chain simulation lens", () => {
  it("lib/chain/lens/simulateLens.ts is SimulateLens.sol compiled with the pinned solc", () => {
    expect(fs.readFileSync(LENS_FILE, "utf8")).to.equal(renderLens());
  });
});
