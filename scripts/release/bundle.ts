// The CLI's self-contained bundles for a release: one CommonJS file for Node's single-executable
// applications, and an ES module package for npm. Unlike dist/ (scripts/build.mjs), every dependency
// is inside: cli/lazy-deps.ts computes its specifiers so that esbuild leaves yaml, prompts, ssh2 and
// client-node's exec parts to node_modules; here a stand-in with plain specifiers takes its place, so
// they are bundled and still loaded only by the command that needs them.
import { build, type Plugin } from "esbuild";
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { resolve } from "node:path";

// The release runs from the repository's root (npm run release); run-ts.mjs moves this file's code.
const root = process.cwd();
const here = resolve(root, "scripts/release");

/** What a release changes in the CLI's sources: each text must be found exactly once. */
export interface CliEdits {
  /** The image `puck create` offers, pinned to the release's images. */
  defaultImage: string;
}

/** A replacement in one source file, refused when the text it replaces is gone or ambiguous. */
function replaceOnce(source: string, file: string, from: string, to: string): string {
  const first = source.indexOf(from);
  if (first < 0 || source.indexOf(from, first + 1) >= 0) {
    throw new Error(`release: expected exactly one '${from}' in ${file}; the release bundle's edits (scripts/release/bundle.ts) need updating`);
  }
  return source.replace(from, to);
}

/**
 * The release's edits of the CLI, made while bundling (the sources stay as they are):
 * - cli/lazy-deps.ts: the stand-in with plain specifiers, so the dependencies are inside;
 * - cli/create-spec.ts: the default Sprite image, pinned;
 * - cli/main.ts (CommonJS only): its top-level await wrapped in a promise, which CommonJS has not.
 */
function releaseEdits(edits: CliEdits, format: "cjs" | "esm"): Plugin {
  const lazyDeps = resolve(root, "cli/lazy-deps.ts");
  const createSpec = resolve(root, "cli/create-spec.ts");
  const main = resolve(root, "cli/main.ts");
  return {
    name: "puck-release-edits",
    setup(b) {
      b.onLoad({ filter: /[/\\]cli[/\\](lazy-deps|create-spec|main)\.ts$/ }, async (args) => {
        if (args.path === lazyDeps) {
          return { contents: await readFile(resolve(here, "lazy-deps-bundled.ts"), "utf8"), loader: "ts", resolveDir: resolve(root, "cli") };
        }
        let source = await readFile(args.path, "utf8");
        if (args.path === createSpec) {
          source = replaceOnce(source, "cli/create-spec.ts", 'export const DEFAULT_IMAGE = "puck-sprite:dev";', `export const DEFAULT_IMAGE = ${JSON.stringify(edits.defaultImage)};`);
        } else if (args.path === main && format === "cjs") {
          source = replaceOnce(source, "cli/main.ts", "const code = await main();", "void main().then((code) => {") + "\n});\n";
        } else {
          return undefined;
        }
        return { contents: source, loader: "ts" };
      });
    },
  };
}

// Node's builtins taken with require() in the ES module bundle: scripts/build.mjs says why (Node 20
// fills an ES module facade for each imported builtin, reading every export, on every start).
const builtins = new Set(builtinModules);
const builtinsByRequire: Plugin = {
  name: "builtins-by-require",
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, "");
      if (!builtins.has(name)) return undefined;
      if (args.namespace === "builtin") return { path: args.path, external: true };
      // import() stays Node's own: split into a chunk of its own, the stand-in would hand the module
      // over as its default export only (node:https's Agent, read by kube/client.ts, would be missing).
      if (args.kind === "dynamic-import") return { path: `node:${name}`, external: true };
      return { path: name, namespace: "builtin" };
    });
    b.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => ({ contents: `module.exports = require("node:${args.path}");`, loader: "js" }));
  },
};

// ssh2 tries its optional native helpers in try/catch and runs without them; so does ws.
const external = ["cpu-features", "*.node", "bufferutil", "utf-8-validate"];

/**
 * The single executable's script: one CommonJS file (a single executable runs CommonJS only, and its
 * require() knows only Node's builtins), every dependency inside.
 */
export async function buildSeaBundle(outfile: string, edits: CliEdits, entry = "cli/main.ts"): Promise<void> {
  await build({
    entryPoints: [resolve(root, entry)],
    outfile,
    bundle: true,
    platform: "node",
    target: "node24",
    format: "cjs",
    minify: false,
    legalComments: "none",
    logLevel: "warning",
    external,
    plugins: [releaseEdits(edits, "cjs")],
  });
}

/**
 * The npm package's code in outdir: puck-cli.js, with the dependencies in chunks loaded by the
 * commands that need them (as dist/ loads them from node_modules), for Node 20 and later.
 */
export async function buildNpmBundle(outdir: string, edits: CliEdits, entry = "cli/main.ts"): Promise<void> {
  await build({
    entryPoints: { "puck-cli": resolve(root, entry) },
    outdir,
    bundle: true,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    platform: "node",
    target: "node20",
    format: "esm",
    minify: false,
    legalComments: "none",
    logLevel: "warning",
    // Bundled CommonJS dependencies still call require(), and ssh2 reads __dirname at load.
    banner: {
      js: [
        "import { createRequire as __puckCreateRequire } from 'node:module';",
        "const require = __puckCreateRequire(import.meta.url);",
        "import { fileURLToPath as __puckFileURLToPath } from 'node:url';",
        "const __dirname = __puckFileURLToPath(new URL('.', import.meta.url));",
      ].join("\n"),
    },
    external,
    plugins: [releaseEdits(edits, "esm"), builtinsByRequire],
  });
}
