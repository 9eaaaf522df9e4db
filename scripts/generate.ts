// Writes the files generated from TypeScript sources (the CRD manifest); `--check` fails when a
// checked-in copy differs, which the test command runs so the schema and manifest never drift.
import { readFile, writeFile } from "node:fs/promises";
import { stringify } from "yaml";
import { crd, tokenCrd } from "../operator/api/crd.js";

const header = "# Generated from operator/api/sprite-schema.ts and access-token.ts by `npm run generate`: do not edit.\n";
const files: Record<string, string> = {
  "deploy/crd.yaml": header + stringify(crd(), { lineWidth: 0 }) + "---\n" + stringify(tokenCrd(), { lineWidth: 0 }),
};

const check = process.argv.includes("--check");
let stale = 0;
for (const [path, content] of Object.entries(files)) {
  if (!check) {
    await writeFile(path, content);
    continue;
  }
  const current = await readFile(path, "utf8").catch(() => "");
  if (current !== content) {
    console.error(`${path} is out of date: run \`npm run generate\` and commit the result.`);
    stale++;
  }
}
process.exit(stale === 0 ? 0 : 1);
