// The CLI as a single executable per platform: Node's own binary for that platform with the CLI's
// script injected (`node --build-sea`, run by a Node of the same version for this machine), V8's code
// cache inside where the target is this machine's platform (V8 makes it, and only its own
// platform's), macOS binaries unsigned before and signed ad hoc after, each packed as a .tar.gz.
import { execFile } from "node:child_process";
import { copyFile, chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { unsign } from "macho-unsign";
import { adhocSign, verifyAdhoc } from "./macho-sign.js";
import { hostPlatform, nodeBinary, SEA_NODE_VERSION, type Platform } from "./node-dist.js";

const run = promisify(execFile);

const onPath = async (tool: string) => run("sh", ["-c", `command -v ${tool}`]).then((r) => r.stdout.trim(), () => undefined);

export interface Executable {
  platform: Platform;
  /** The .tar.gz holding `puck`, in the release folder. */
  archive: string;
  /** The executable itself, in the work folder. */
  executable: string;
  codeCache: boolean;
  notes: string[];
}

/** Linux PLATFORM's userland under qemu-user, where Debian's qemu-user-static and cross libraries are installed. */
async function emulator(platform: Platform): Promise<{ qemu: string; root: string } | undefined> {
  const [arch, triple, loader] = platform === "linux-arm64" ? ["aarch64", "aarch64-linux-gnu", "ld-linux-aarch64.so.1"] : ["x86_64", "x86_64-linux-gnu", "ld-linux-x86-64.so.2"];
  const qemu = await onPath(`qemu-${arch}-static`);
  const root = `/usr/${triple}`;
  // Node needs libatomic and libstdc++ too: Debian's libatomic1-, libstdc++6- and libc6-ARCH-cross.
  if (!qemu || !existsSync(join(root, "lib", loader)) || !existsSync(join(root, "lib", "libatomic.so.1"))) return undefined;
  return { qemu, root };
}

/**
 * Builds PLATFORM's executable from SCRIPT (the CommonJS bundle) in WORK, and its archive
 * puck-VERSION-PLATFORM.tar.gz in OUT.
 */
export async function buildExecutable(platform: Platform, script: string, work: string, out: string, version: string): Promise<Executable> {
  const host = hostPlatform();
  if (!host || !host.startsWith("linux-")) throw new Error(`release: the single executables are built on Linux (amd64 or arm64), not ${process.platform}-${process.arch}`);
  const builder = await nodeBinary(host);
  const dir = join(work, platform);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const base = join(dir, "node");
  await copyFile(await nodeBinary(platform), base);
  await chmod(base, 0o755);
  const notes: string[] = [];
  const darwin = platform.startsWith("darwin-");

  if (darwin) {
    // The injection changes the binary: Node's signature would no longer match it.
    const unsigned = unsign(await readFile(base));
    if (unsigned) await writeFile(base, Buffer.from(unsigned));
  } else {
    // Symbols only serve a debugger: 18 MB less. Stripped before the injection: stripping after it
    // breaks the executable (the injected note is lost).
    const strip = await onPath("llvm-strip");
    if (strip) await run(strip, ["--strip-all", base]);
    else notes.push("not stripped (no llvm-strip on this machine)");
  }

  const executable = join(dir, "puck");
  // V8 makes the code cache for the platform it runs on: this machine's, or another Linux's under
  // qemu-user (that platform's own Node builds it there, slower but the same cache).
  const emulated = platform !== host && !darwin ? await emulator(platform) : undefined;
  const codeCache = platform === host || emulated !== undefined;
  const config = join(dir, "sea-config.json");
  await writeFile(
    config,
    JSON.stringify({ main: script, executable: base, output: executable, disableExperimentalSEAWarning: true, useCodeCache: codeCache }, null, 2),
  );
  if (emulated) {
    await run(emulated.qemu, ["-L", emulated.root, await nodeBinary(platform), "--build-sea", config], { maxBuffer: 16 << 20 });
    notes.push(`code cache made under ${basename(emulated.qemu)}`);
  } else {
    await run(builder, ["--build-sea", config], { maxBuffer: 16 << 20 });
  }
  await rm(base);

  if (darwin) {
    const signed = adhocSign(await readFile(executable), "puck");
    verifyAdhoc(signed);
    await writeFile(executable, signed);
    notes.push("signed ad hoc here (scripts/release/macho-sign.ts); not run on a Mac");
  }
  await chmod(executable, 0o755);

  const archive = join(out, `puck-${version}-${platform}.tar.gz`);
  // Reproducible: fixed owner and time, no other metadata.
  await run("tar", ["--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-czf", archive, "-C", dir, "puck"]);
  if (!codeCache) notes.push(darwin ? "no code cache (V8 makes it only on the platform itself)" : "no code cache (no qemu-user here to make it)");
  notes.unshift(`Node ${SEA_NODE_VERSION}`);
  return { platform, archive, executable, codeCache, notes };
}
