// `npm run release -- --registry PREFIX --push`: builds Puck's four images with images/build.sh,
// tagged with the release's version, and pushes each to PREFIX/puck-NAME:VERSION — the names
// puck.yaml and the CLI's default Sprite image then use. Logging in to the registry is the builder's
// own (buildah/podman/docker login). The images are built for this machine's architecture.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { ReleaseImages } from "./manifest.js";

const run = promisify(execFile);

export async function pushImages(images: ReleaseImages, version: string): Promise<void> {
  const builder = await (async () => {
    for (const b of ["buildah", "podman", "docker"]) {
      if (await run("sh", ["-c", `command -v ${b}`]).then(() => true, () => false)) return b;
    }
    throw new Error("release: --push needs buildah, podman or docker");
  })();
  const names = Object.keys(images) as (keyof ReleaseImages)[];
  await run("bash", ["images/build.sh", "--load", "none", "--tag", version, ...names], { maxBuffer: 64 << 20 });
  for (const name of names) {
    const local = `localhost/puck-${name}:${version}`;
    process.stderr.write(`release: pushing ${images[name]}\n`);
    if (builder === "docker") {
      await run("docker", ["tag", local, images[name]]);
      await run("docker", ["push", images[name]], { maxBuffer: 64 << 20 });
    } else {
      await run(builder, ["push", local, `docker://${images[name]}`], { maxBuffer: 64 << 20 });
    }
  }
}
