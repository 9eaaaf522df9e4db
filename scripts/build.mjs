// Bundles the four deployables with esbuild into self-contained files under dist/.
import { build } from "esbuild";
import { chmod, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";

// The CLI takes Node's own modules with require(), not import: for each imported builtin, Node 20
// builds an ES module facade and reads every export to fill it — all of process's getters, and
// crypto's webcrypto — on every start (~5 ms of `puck connect`'s). esbuild reads the exports where
// they are used instead.
const builtins = new Set(builtinModules);
const builtinsByRequire = {
  name: "builtins-by-require",
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, "");
      if (!builtins.has(name)) return undefined;
      // The require() in the stand-in below is Node's own.
      if (args.namespace === "builtin") return { path: args.path, external: true };
      return { path: name, namespace: "builtin" };
    });
    b.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => ({ contents: `module.exports = require("node:${args.path}");`, loader: "js" }));
  },
};

const entries = [
  { in: "operator/main.ts", out: "operator" },
  { in: "agent/main.ts", out: "agent" },
  { in: "cli/main.ts", out: "puck-cli" },
  { in: "gateway/main.ts", out: "gateway" },
];
// `build.mjs puck` builds the CLI: its launcher (dist/puck.js) and its bundle (dist/puck-cli.js).
const only = process.argv.slice(2).map((name) => (name === "puck" ? "puck-cli" : name));

await Promise.all(
  entries
    .filter((e) => only.length === 0 || only.includes(e.out))
    .map((e) =>
      build({
        entryPoints: { [e.out]: e.in },
        outdir: "dist",
        bundle: true,
        platform: "node",
        target: "node22",
        format: "esm",
        splitting: false,
        sourcemap: "linked",
        minify: false,
        legalComments: "none",
        logLevel: "warning",
        // Bundled CommonJS dependencies still call require(); give the ESM bundle one.
        banner: {
          js: [
            "",
            "import { createRequire as __puckCreateRequire } from 'node:module';",
            "const require = __puckCreateRequire(import.meta.url);",
            // ...and the __dirname some of them read at load (ssh2's agent module does).
            "import { fileURLToPath as __puckFileURLToPath } from 'node:url';",
            "const __dirname = __puckFileURLToPath(new URL('.', import.meta.url));",
          ].join("\n"),
        },
        metafile: false,
        // ssh2 tries its optional native helpers in try/catch and runs without them: Puck builds
        // none, so they stay out of the bundle (allowScripts in package.json keeps them unbuilt).
        external: ["cpu-features", "*.node"],
        plugins: e.out === "puck-cli" ? [builtinsByRequire] : [],
      }),
    ),
);
// The CLI's launcher turns on Node's module compile cache before the bundle is loaded: V8's compiled
// code for the bundle (and for the exec library connect loads) is reused from disk on the next run
// instead of parsed again. Set NODE_DISABLE_COMPILE_CACHE=1 to run without it.
if (only.length === 0 || only.includes("puck-cli")) {
  await writeFile(
    "dist/puck.js",
    [
      "#!/usr/bin/env node",
      "// puck's launcher: Node's compile cache first, then the CLI bundle (see scripts/build.mjs).",
      'import module from "node:module";',
      "module.enableCompileCache?.();",
      'await import("./puck-cli.js");',
      "",
    ].join("\n"),
  );
  await chmod("dist/puck.js", 0o755);
}
