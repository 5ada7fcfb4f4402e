// The scratch PostgreSQL the indexer's end-to-end test needs: found, or a failure naming the fix.
import { expect } from "chai";
import { postgresBinDir } from "../../scripts/scratchPostgres";

describe("indexer test harness: PostgreSQL server binaries", function () {
  it("are found on this machine (the end-to-end test runs on PostgreSQL too)", () => {
    expect(postgresBinDir({})).to.match(/bin$/);
  });

  it("when missing, the error names what to install", () => {
    expect(() => postgresBinDir({ PG_BIN: "/nonexistent/pg" })).to.throw(/PG_BIN=\/nonexistent\/pg does not hold initdb, pg_ctl and postgres: run `npm ci`.*install the PostgreSQL server \(Debian\/Ubuntu: `apt-get install postgresql`/);
  });
});
