// Bundles the three deployables with esbuild into self-contained files under dist/.
import { build } from "esbuild";
import { chmod } from "node:fs/promises";

const entries = [
  { in: "operator/main.ts", out: "operator" },
  { in: "agent/main.ts", out: "agent" },
  { in: "cli/main.ts", out: "puck" },
];
const only = process.argv.slice(2);

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
            e.out === "puck" ? "#!/usr/bin/env node" : "",
            "import { createRequire as __puckCreateRequire } from 'node:module';",
            "const require = __puckCreateRequire(import.meta.url);",
          ].join("\n"),
        },
        metafile: false,
      }),
    ),
);
await chmod("dist/puck.js", 0o755).catch(() => {});
