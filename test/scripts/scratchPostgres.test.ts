// The scratch PostgreSQL server the journal and indexer suites start (scripts/scratchPostgres.ts), from
// a clone inside a private folder (a home directory, or `mktemp -d`: mode 700). Under root the
// server runs as the `postgres` user, who cannot reach binaries there: they are copied where it can.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { postgresBinDir, reachableBinDir, startPostgres, type ScratchPostgres } from "../../scripts/scratchPostgres";

describe("scratch PostgreSQL server from a private folder (mode 700)", function () {
  this.timeout(180_000);
  let priv: string;
  let server: ScratchPostgres | undefined;
  before(() => {
    // The installation as a clone in a private folder holds it: node_modules/…/native/{bin,lib,share}.
    priv = fs.mkdtempSync(path.join(os.tmpdir(), "private-clone-"));
    fs.chmodSync(priv, 0o700);
    const bin = postgresBinDir();
    fs.cpSync(path.dirname(bin), path.join(priv, "native"), { recursive: true, verbatimSymlinks: true });
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(priv, { recursive: true, force: true });
  });

  it("starts, answers a query and stops; under root the binaries it runs are outside the private folder", async () => {
    const bin = path.join(priv, "native", path.basename(postgresBinDir()));
    expect((fs.statSync(priv).mode & 0o777).toString(8)).to.equal("700");
    server = await startPostgres({ binDir: bin });
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      expect((await client.query("select 40 + 2 as n")).rows[0].n).to.equal(42);
    } finally {
      await client.end();
    }
    if (process.getuid?.() === 0) {
      const used = reachableBinDir(bin);
      expect(used.startsWith(priv), used).to.equal(false);
      expect(fs.existsSync(path.join(used, "initdb"))).to.equal(true);
    }
    await server.stop();
    server = undefined;
  });
});
