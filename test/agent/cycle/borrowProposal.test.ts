// `treasury propose-borrow --evidence FILE`: the evidence the owners' proposal carries (its SHA-256
// and summary), and a clear one-line error for a file that is missing or empty.
import { expect } from "chai";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readEvidence } from "../../../agent/src/cycle/borrowProposal";
import { UserError } from "../../../agent/src/errors";

describe("agent/cycle: propose-borrow evidence", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "evidence-"));
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };

  it("a JSON file: its summary; any other file: its first non-empty line; the SHA-256 of the bytes", () => {
    const text = JSON.stringify({ summary: "walk-forward: levered Sharpe 1.1", folds: [1, 2] });
    const e = readEvidence(write("wf.json", text));
    expect(e).to.deep.equal({ file: "wf.json", sha256: `0x${crypto.createHash("sha256").update(text).digest("hex")}`, bytes: text.length, summary: "walk-forward: levered Sharpe 1.1" });
    expect(readEvidence(write("wf.md", "\n\n| fold | Sharpe |\n| 1 | 1.1 |\n")).summary).to.equal("| fold | Sharpe |");
  });

  it("a missing or empty file: a UserError that names it and says what to pass", () => {
    const missing = path.join(dir, "nope.json");
    expect(() => readEvidence(missing)).to.throw(UserError, /--evidence .*nope\.json: .*ENOENT.*; pass the walk-forward table/);
    expect(() => readEvidence(write("empty.json", ""))).to.throw(UserError, /the file is empty; pass the walk-forward table/);
  });
});
