#!/usr/bin/env node
// `treasury` command: runs the TypeScript CLI through ts-node (transpile only: no build step, works
// on a fresh clone after `npm ci`).
const path = require("node:path");
// SWC transpiles where it is installed (a development checkout: about a third of TypeScript's start
// time); the image installs runtime packages only and keeps TypeScript's transpiler. Both transpile
// only, file by file: the same JavaScript semantics (target es2022).
let swc = false;
try {
  require.resolve("@swc/core");
  swc = true;
} catch {
  // not installed: TypeScript's transpiler
}
require("ts-node").register({ transpileOnly: true, swc, project: path.join(__dirname, "..", "tsconfig.json") });
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
