// Runs a TypeScript script: bundles it with esbuild (which resolves our `.js` import specifiers to
// `.ts` sources) into a temporary file, then imports it. Usage: node scripts/run-ts.mjs FILE [ARGS...]
import { build } from "esbuild";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error("usage: node scripts/run-ts.mjs FILE [ARGS...]");
  process.exit(2);
}
// Inside the project, so that the bundle's bare imports resolve from its node_modules — but not
// inside node_modules: where that is a symlink (a git worktree sharing another checkout's), Node
// would load the bundle from the other checkout, and e2e code finding "the project root" from its
// own path would build and measure that checkout's code instead of this one's.
mkdirSync("dist", { recursive: true });
const dir = mkdtempSync(join("dist", ".run-ts-"));
const out = resolve(dir, "script.mjs");
await build({
  entryPoints: [resolve(file)],
  outfile: out,
  bundle: true,
  platform: "node",
  format: "esm",
  packages: "external",
  logLevel: "warning",
});
process.argv = [process.argv[0], resolve(file), ...args];
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
await import(pathToFileURL(out).href);
