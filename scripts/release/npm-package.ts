// The CLI as an npm package: no dependencies at run time (everything is in its bundle), for Node 20
// and later. `puck` is taken on npm; the package is NPM_NAME, its command `puck`.
import { execFile } from "node:child_process";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { buildNpmBundle, type CliEdits } from "./bundle.js";

const run = promisify(execFile);

export const NPM_NAME = "puck-sprites";

const LAUNCHER = [
  "#!/usr/bin/env node",
  "// puck's launcher: Node's compile cache first (Node 22.1 and later), then the CLI bundle.",
  'import module from "node:module";',
  "module.enableCompileCache?.();",
  'await import("./puck-cli.js");',
  "",
].join("\n");

const README = (version: string) => `# puck-sprites

\`puck\`, the command line of Puck: Sprites on your own Kubernetes — persistent
Linux machines that hibernate when idle and wake when you connect. Version ${version}.

    npm install -g ${NPM_NAME}
    puck --version
    puck create dev && puck connect dev

The package has no dependencies: the CLI and everything it uses are bundled. It needs Node 20 or
later, a kubeconfig (as kubectl's), and Puck installed in the cluster (puck.yaml of the same release).
`;

/** Builds the package in WORK/npm and packs it into OUT; returns the tarball's path. */
export async function buildNpmPackage(work: string, out: string, version: string, edits: CliEdits): Promise<string> {
  const dir = join(work, "npm");
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, "dist"), { recursive: true });
  await buildNpmBundle(join(dir, "dist"), edits);
  await writeFile(join(dir, "dist", "puck.js"), LAUNCHER);
  await chmod(join(dir, "dist", "puck.js"), 0o755);
  await writeFile(join(dir, "README.md"), README(version));
  const pkg = {
    name: NPM_NAME,
    version,
    description: "puck, the command line of Puck: Sprites for homelab Kubernetes (persistent, isolated Linux machines that sleep when idle and wake on connect).",
    license: "Apache-2.0",
    type: "module",
    bin: { puck: "dist/puck.js" },
    files: ["dist", "README.md"],
    engines: { node: ">=20" },
    keywords: ["kubernetes", "k3s", "homelab", "sprites", "cli"],
  };
  await writeFile(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  const { stdout } = await run("npm", ["pack", "--silent", "--pack-destination", out], { cwd: dir });
  return join(out, stdout.trim().split("\n").pop()!);
}
