// Validate glTF/GLB files with the Khronos glTF validator and print one JSON report per line.
//
//   GLTF_VALIDATOR_DIR=/path/with/node_modules node tests/engine/gltf_validate.mjs a.glb [b.glb]
//
// The folder in GLTF_VALIDATOR_DIR (or the current directory) must hold
// node_modules/gltf-validator. Exit status: 0 when every file has zero errors, 1 when any
// file has errors, 2 when the validator cannot be loaded or a file cannot be read.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, join, resolve } from "node:path";

const base = resolve(process.env.GLTF_VALIDATOR_DIR || process.cwd());
let validator;
try {
  validator = createRequire(join(base, "package.json"))("gltf-validator");
} catch (err) {
  console.error(`gltf-validator not found under ${base}/node_modules: ${err.message}`);
  process.exit(2);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node gltf_validate.mjs FILE.glb [FILE.glb ...]");
  process.exit(2);
}

let failed = false;
for (const file of files) {
  let report;
  try {
    const data = new Uint8Array(readFileSync(file));
    report = await validator.validateBytes(data, { uri: basename(file), maxIssues: 100 });
  } catch (err) {
    console.error(`${file}: ${err}`);
    process.exit(2);
  }
  const issues = report.issues;
  console.log(
    JSON.stringify({
      file,
      validatorVersion: report.validatorVersion,
      numErrors: issues.numErrors,
      numWarnings: issues.numWarnings,
      numInfos: issues.numInfos,
      numHints: issues.numHints,
      messages: issues.messages.map((m) => `${m.severity}:${m.code}:${m.pointer ?? ""} ${m.message}`),
      info: report.info,
    }),
  );
  if (issues.numErrors > 0) failed = true;
}
process.exit(failed ? 1 : 0);
