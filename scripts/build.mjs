// Bundles the four deployables with esbuild into self-contained files under dist/.
import { build } from "esbuild";
import { chmod, writeFile } from "node:fs/promises";

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
