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
// Inside the project, so that the bundle's bare imports resolve from its node_modules. Not inside
// node_modules itself: in a git worktree whose node_modules is a symlink to another checkout, Node
// would resolve the script to that checkout, and scripts finding the project root from their own
// place (e2e/lib/bundles.ts) would build and run the other checkout's code.
mkdirSync(".cache", { recursive: true });
const dir = mkdtempSync(join(".cache", "puck-run-ts-"));
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
