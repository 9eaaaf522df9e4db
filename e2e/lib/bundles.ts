// Rebuilds a dist/ bundle when a source it is made from is newer, so e2e tests and benchmarks run
// the code under test. One build per bundle per process.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { run } from "./exec.js";

/** The repository root: found by walking up, since scripts/run-ts.mjs runs e2e code from a bundle elsewhere. */
function findRoot(): string {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "scripts/build.mjs"))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}
export const ROOT = findRoot();

export type BundleName = "operator" | "agent" | "puck" | "gateway";

// operator/ holds the API every bundle imports; kube/ is the layer all of them stand on; the CLI and
// the gateway also stand on sprite-client/.
const SOURCES: Record<BundleName, string[]> = {
  operator: ["operator", "kube"],
  agent: ["agent", "operator", "kube"],
  puck: ["cli", "sprite-client", "operator", "kube"],
  gateway: ["gateway", "sprite-client", "operator", "kube"],
};

export const bundlePath = (name: BundleName) => join(ROOT, "dist", `${name}.js`);

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const building = new Map<BundleName, Promise<string>>();

/** Builds dist/NAME.js unless it is newer than every source it is made from; resolves with its path. */
export function ensureBundle(name: BundleName): Promise<string> {
  let pending = building.get(name);
  if (!pending) {
    pending = (async () => {
      const bundle = bundlePath(name);
      const newest = Math.max(...SOURCES[name].map((dir) => newestSource(join(ROOT, dir))));
      if (!existsSync(bundle) || statSync(bundle).mtimeMs < newest) {
        await run(process.execPath, ["scripts/build.mjs", name], { cwd: ROOT });
      }
      return bundle;
    })();
    building.set(name, pending);
  }
  return pending;
}
