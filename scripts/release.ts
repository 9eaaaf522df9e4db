// `npm run release`: everything a release of Puck needs, in one folder (release/VERSION/ unless --out),
// the version from package.json:
//   puck.yaml                          the install: deploy/ rendered as `kubectl kustomize deploy` would,
//                                      images pinned (REGISTRY/puck-NAME:VERSION)
//   puck-images-VERSION-linux-ARCH.tar.zst   the four images, one archive per architecture (amd64,
//                                      arm64), for k3s's images folder (`k3s ctr images import`)
//   puck-VERSION-OS-ARCH.tar.gz        the CLI as one executable, for linux and darwin, amd64 and arm64
//   install.sh                         picks the executable for the machine, checks it, installs it
//   puck-sprites-VERSION.tgz           the CLI as an npm package (no dependencies; Node 20 and later)
//   release.json                       what is in the folder: version, images, sizes, notes
//   SHA256SUMS                         every file above
// Options:
//   --registry PREFIX   where the images are (default docker.io/library: how k3s names the images it
//                       imports from an archive, so a node that imported them never pulls)
//   --push              build the images with images/build.sh and push them to --registry first
//   --image-archs LIST  the image archives' architectures (default amd64,arm64; the other than this
//                       machine's is built under qemu-user: apt-get install qemu-user-static arch-test)
//   --no-images         no image archive (it takes minutes and an image builder)
//   --base-url URL      where the folder will be served: install.sh downloads from there
//   --platforms LIST    some of linux-amd64,linux-arm64,darwin-arm64,darwin-amd64 (default: all)
//   --out DIR           the folder (default release/VERSION)
// scripts/release/README.md says what each part does and why.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve } from "node:path";
import { buildSeaBundle } from "./release/bundle.js";
import { buildExecutable, type Executable } from "./release/executables.js";
import { buildImageArchive } from "./release/images.js";
import { manifestText, pinRelease, releaseImages, renderKustomization } from "./release/manifest.js";
import { PLATFORMS, SEA_NODE_VERSION, type Platform } from "./release/node-dist.js";
import { buildNpmPackage, NPM_NAME } from "./release/npm-package.js";
import { pushImages } from "./release/push.js";

const DEFAULT_REGISTRY = "docker.io/library";

interface Options {
  registry: string;
  push: boolean;
  images: boolean;
  imageArchs: string[];
  baseUrl: string;
  platforms: Platform[];
  out: string | undefined;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { registry: DEFAULT_REGISTRY, push: false, images: true, imageArchs: ["amd64", "arm64"], baseUrl: "", platforms: [...PLATFORMS], out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new Error(`release: ${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--registry": options.registry = value().replace(/\/+$/, ""); break;
      case "--push": options.push = true; break;
      case "--no-images": options.images = false; break;
      case "--image-archs": {
        options.imageArchs = value().split(",").map((a) => a.trim()).filter(Boolean);
        const unknown = options.imageArchs.filter((a) => a !== "amd64" && a !== "arm64");
        if (unknown.length > 0 || options.imageArchs.length === 0) throw new Error(`release: --image-archs takes amd64 and/or arm64, not "${unknown.join(", ")}"`);
        break;
      }
      case "--base-url": options.baseUrl = value(); break;
      case "--out": options.out = value(); break;
      case "--platforms": {
        const list = value().split(",").map((p) => p.trim()).filter(Boolean);
        const unknown = list.filter((p) => !(PLATFORMS as readonly string[]).includes(p));
        if (unknown.length > 0) throw new Error(`release: unknown platform ${unknown.join(", ")}: choose among ${PLATFORMS.join(", ")}`);
        options.platforms = list as Platform[];
        break;
      }
      default: throw new Error(`release: unknown argument '${arg}' (see the top of scripts/release.ts)`);
    }
  }
  if (options.push && options.registry === DEFAULT_REGISTRY) throw new Error("release: --push needs --registry: the registry to push the images to");
  if (/[\s"'`$\\]/.test(options.baseUrl)) throw new Error("release: --base-url must be a plain URL");
  return options;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const mb = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`);

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const root = process.cwd();
  const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { name: string; version: string };
  if (pkg.name !== "puck") throw new Error("release: run it from the repository's root (npm run release)");
  const version = pkg.version;
  const cliVersion = /export const VERSION = "([^"]+)"/.exec(await readFile(join(root, "cli/version.ts"), "utf8"))?.[1];
  if (cliVersion !== version) throw new Error(`release: cli/version.ts says VERSION ${cliVersion}, package.json ${version}: make them equal`);

  const out = resolve(options.out ?? join("release", version));
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), "puck-release-"));
  const started = Date.now();
  const log = (text: string) => process.stderr.write(`release: ${text} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);

  try {
    const images = releaseImages(options.registry, version);
    if (options.push) {
      await pushImages(images, version);
      log(`pushed the images to ${options.registry}`);
    }

    // The install.
    const docs = await renderKustomization(join(root, "deploy"));
    pinRelease(docs, images, version);
    await writeFile(
      join(out, "puck.yaml"),
      manifestText(docs, [
        `Puck ${version}: the install as one manifest (deploy/ rendered; \`kubectl apply --server-side -f puck.yaml\`).`,
        `Images: ${Object.values(images).join(", ")}.`,
        "Removing it (`kubectl delete -f puck.yaml`) removes the operator and the CRD, and with the CRD every Sprite.",
      ]),
    );
    log("puck.yaml");

    // The CLI: its single-executable script, then one executable per platform.
    const edits = { defaultImage: images.sprite };
    const script = join(work, "puck.cjs");
    await buildSeaBundle(script, edits);
    const executables: Executable[] = [];
    for (const platform of options.platforms) {
      executables.push(await buildExecutable(platform, script, work, out, version));
      log(basename(executables.at(-1)!.archive));
    }

    const npmTarball = await buildNpmPackage(work, out, version, edits);
    log(basename(npmTarball));

    const imageArchives: Record<string, string> = {};
    for (const arch of options.images ? options.imageArchs : []) {
      imageArchives[arch] = basename(await buildImageArchive(images, version, work, out, arch));
      log(imageArchives[arch]);
    }

    const installer = (await readFile(join(root, "scripts/release/install.sh"), "utf8"))
      .replaceAll("@VERSION@", version)
      .replace('from="@BASE_URL@"', `from="${options.baseUrl}"`);
    await writeFile(join(out, "install.sh"), installer);
    await chmod(join(out, "install.sh"), 0o755);

    const sizes: Record<string, number> = {};
    for (const file of await readdir(out)) sizes[file] = (await stat(join(out, file))).size;
    const manifest = {
      version,
      images,
      imageArchives,
      npm: { name: NPM_NAME, tarball: basename(npmTarball), node: ">=20" },
      executables: Object.fromEntries(
        await Promise.all(
          executables.map(async (e) => [e.platform, { archive: basename(e.archive), bytes: (await stat(e.executable)).size, codeCache: e.codeCache, node: SEA_NODE_VERSION, notes: e.notes }] as const),
        ),
      ),
      sizes,
    };
    await writeFile(join(out, "release.json"), `${JSON.stringify(manifest, null, 2)}\n`);

    const files = (await readdir(out)).filter((f) => f !== "SHA256SUMS").sort();
    const sums = await Promise.all(files.map(async (f) => `${await sha256(join(out, f))}  ${f}`));
    await writeFile(join(out, "SHA256SUMS"), `${sums.join("\n")}\n`);

    process.stdout.write(`Release ${version} in ${relative(root, out).startsWith("..") ? out : relative(root, out)}:\n`);
    for (const file of [...files, "SHA256SUMS"]) process.stdout.write(`  ${file.padEnd(40)} ${mb((await stat(join(out, file))).size)}\n`);
    for (const e of executables) process.stdout.write(`  ${e.platform}: executable ${mb(manifest.executables[e.platform]!.bytes)}; ${e.notes.join("; ")}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
