// The image archive of a release: Puck's four images (operator, agent, gateway, default Sprite) for
// one architecture in one docker-archive, compressed with zstd within k3s's limits (a window of at
// most 32 MiB: `--long=25`), named as puck.yaml names them. k3s imports it from
// /var/lib/rancher/k3s/agent/images/ (or `k3s ctr images import`) without a registry.
//
// Built here with images/build.sh (buildah, podman or docker): this machine's architecture natively,
// the other one (amd64 or arm64) with buildah, its RUN steps under qemu-user (images/build.sh --arch).
import { execFile } from "node:child_process";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ReleaseImages } from "./manifest.js";

const run = promisify(execFile);
const onPath = (tool: string) => run("sh", ["-c", `command -v ${tool}`]).then(() => true, () => false);

interface ArchiveEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

/** The machine's architecture as images name it. */
export const imageArch = () => (process.arch === "x64" ? "amd64" : process.arch);

/** Builds the four images for ARCH and writes OUT/puck-images-VERSION-linux-ARCH.tar.zst; returns its path. */
export async function buildImageArchive(images: ReleaseImages, version: string, work: string, out: string, arch = imageArch()): Promise<string> {
  let builder: string | undefined;
  for (const b of ["buildah", "podman", "docker"]) if (await onPath(b)) { builder ??= b; }
  if (!builder) throw new Error("release: the image archive needs buildah, podman or docker (or leave it out with --no-images)");
  if (!(await onPath("zstd"))) throw new Error("release: the image archive needs zstd (apt-get install zstd), or leave it out with --no-images");

  // No registry here: Debian-based bases made with mmdebstrap where it is installed (images/build.sh).
  const env = { ...process.env, PUCK_BASES: process.env.PUCK_BASES ?? ((await onPath("mmdebstrap")) && builder === "buildah" ? "local" : "public") };
  const names = Object.keys(images) as (keyof ReleaseImages)[];
  // Built under its own tag: this machine's images and another architecture's must not replace each other.
  const tag = arch === imageArch() ? version : `${version}-${arch}`;
  await run("bash", ["images/build.sh", "--arch", arch, "--load", "none", "--tag", tag, ...names], { env, maxBuffer: 64 << 20 });

  const dir = join(work, `images-${arch}`);
  const merged = join(dir, "merged");
  await rm(dir, { recursive: true, force: true });
  await mkdir(merged, { recursive: true });
  const entries: ArchiveEntry[] = [];
  for (const name of names) {
    const local = `localhost/puck-${name}:${tag}`;
    const archive = join(dir, `${name}.tar`);
    if (builder === "buildah") {
      await run("buildah", ["push", "-q", local, `docker-archive:${archive}:${images[name]}`], { maxBuffer: 16 << 20 });
    } else {
      await run(builder, ["tag", local, images[name]]);
      await run(builder, ["save", "-o", archive, images[name]], { maxBuffer: 16 << 20 });
    }
    // One archive of all four: their files side by side (a layer's name is its digest, so layers the
    // images share are one file), their manifest.json entries in one list.
    await run("tar", ["-xf", archive, "-C", merged]);
    await rm(archive);
    const manifest = JSON.parse(await readFile(join(merged, "manifest.json"), "utf8")) as ArchiveEntry[];
    // The release's name only (buildah adds the local one, localhost/puck-NAME:VERSION).
    entries.push(...manifest.map((entry) => ({ ...entry, RepoTags: [images[name]] })));
  }
  await writeFile(join(merged, "manifest.json"), JSON.stringify(entries));
  await rm(join(merged, "repositories"), { force: true });

  const files = (await readdir(merged)).sort();
  const tar = join(dir, "images.tar");
  await run("tar", ["--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-cf", tar, "-C", merged, ...files]);
  const target = join(out, `puck-images-${version}-linux-${arch}.tar.zst`);
  // --long=25: a 32 MiB window, k3s's limit (so that a Raspberry Pi can decompress it).
  await run("zstd", ["-q", "-T0", "-12", "--long=25", "-o", target, tar]);
  await rm(dir, { recursive: true, force: true });
  return target;
}
