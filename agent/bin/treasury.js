#!/usr/bin/env node
// `treasury` command: runs the TypeScript CLI through ts-node (transpile only: no build step, works
// on a fresh clone after `npm ci`).
const path = require("node:path");
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
require("../src/cli")
  .main(process.argv)
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 1;
    },
  );
