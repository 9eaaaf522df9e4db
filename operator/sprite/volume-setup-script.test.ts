// The volume-setup script run for real (the machine's /bin/sh and tools) on temp folders standing in for
// the volume and the image's root: the layout's move (killed at random moments), the seed, the home.
// Runs as root, as CI does: the script keeps owners.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { volumeSetupScript, type ScriptPaths } from "./volume-setup-script.js";

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function scratch(): { paths: ScriptPaths; volume: string; source: string } {
  const base = mkdtempSync(join(tmpdir(), "puck-volume-"));
  dirs.push(base);
  const paths = { volume: join(base, "volume"), init: join(base, "init"), message: join(base, "message"), source: join(base, "image") };
  for (const d of [paths.volume, paths.init, paths.source]) mkdirSync(d);
  writeFileSync(join(paths.init, "user"), "1000 1000\n");
  return { paths, volume: paths.volume, source: paths.source };
}

function run(paths: ScriptPaths, env: Record<string, string>, parts?: Parameters<typeof volumeSetupScript>[1]) {
  const result = spawnSync("/bin/sh", ["-c", volumeSetupScript(paths, parts)], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, encoding: "utf8" });
  const message = existsSync(paths.message) ? readFileSync(paths.message, "utf8") : "";
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, message };
}

const machine = (image: string, bytes = 10 * 1024 ** 3) => ({ PUCK_PERSIST: "machine", PUCK_IMAGE: image, PUCK_VOLUME_BYTES: String(bytes) });
const entries = (dir: string) => readdirSync(dir).sort();

/** An image root: merged /usr with /bin a link, a setuid tool, /etc with a skeleton, /var. */
function makeImage(source: string, tool = "v1") {
  mkdirSync(join(source, "usr/bin"), { recursive: true });
  writeFileSync(join(source, "usr/bin/tool"), tool);
  chmodSync(join(source, "usr/bin/tool"), 0o4755);
  symlinkSync("usr/bin", join(source, "bin"));
  symlinkSync("/usr/lib", join(source, "lib"));
  mkdirSync(join(source, "usr/lib"));
  mkdirSync(join(source, "etc/skel"), { recursive: true });
  writeFileSync(join(source, "etc/skel/.bashrc"), "PS1=x\n");
  writeFileSync(join(source, "etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
  mkdirSync(join(source, "var/lib"), { recursive: true });
}

describe("the volume's layout", () => {
  it("a new volume gets the marker and an empty home, and a lost+found stays at the root", () => {
    const { paths, volume } = scratch();
    mkdirSync(join(volume, "lost+found"));
    chmodSync(volume, 0o777);
    const r = run(paths, { PUCK_PERSIST: "home", PUCK_IMAGE: "x", PUCK_VOLUME_BYTES: "1" }, ["layout"]);
    expect(r.status, r.stderr).toBe(0);
    expect(entries(volume)).toEqual([".puck-volume", "home", "lost+found"]);
    expect(readFileSync(join(volume, ".puck-volume"), "utf8").trim()).toBe("2");
    expect(entries(join(volume, "home"))).toEqual([]);
    expect(statSync(volume).mode & 0o7777).toBe(0o755);
  });

  it("an older volume, whose root was the home, moves into home/ whole: dotfiles, a folder named home, a file named system", () => {
    const { paths, volume } = scratch();
    writeFileSync(join(volume, ".bashrc"), "mine");
    mkdirSync(join(volume, "home"));
    writeFileSync(join(volume, "home/inner"), "inner");
    writeFileSync(join(volume, "system"), "a file of the user's");
    writeFileSync(join(volume, "..odd"), "odd");
    mkdirSync(join(volume, "project/.git"), { recursive: true });
    chmodSync(volume, 0o700);
    const r = run(paths, { PUCK_PERSIST: "home", PUCK_IMAGE: "x", PUCK_VOLUME_BYTES: "1" }, ["layout"]);
    expect(r.status, r.stderr).toBe(0);
    expect(entries(volume)).toEqual([".puck-volume", "home"]);
    expect(entries(join(volume, "home"))).toEqual(["..odd", ".bashrc", "home", "project", "system"]);
    expect(readFileSync(join(volume, "home/home/inner"), "utf8")).toBe("inner");
    // The home keeps the mode the volume's root had (the user's 0700).
    expect(statSync(join(volume, "home")).mode & 0o7777).toBe(0o700);
    // Run again: nothing moves twice.
    expect(run(paths, { PUCK_PERSIST: "home", PUCK_IMAGE: "x", PUCK_VOLUME_BYTES: "1" }, ["layout"]).status).toBe(0);
    expect(entries(join(volume, "home"))).toEqual(["..odd", ".bashrc", "home", "project", "system"]);
  });

  it("a move killed at any moment is finished by the next run: every entry once, none missing", async () => {
    const names = [...Array.from({ length: 1500 }, (_, i) => `f${i}`), "f with space", "f'quote", 'f"dq', "f\nnewline", "f$(x)"];
    const seen: string[] = [];
    // Kills at growing delays until one lands mid-move (staging folder there, marker not yet).
    for (let ms = 2; ms < 400 && !seen.includes("moving"); ms += 7) {
      const { paths, volume } = scratch();
      for (const n of names) writeFileSync(join(volume, n), n);
      await runKilledAfter(paths, ms);
      // After the kill: each entry is in exactly one place (the root, the staging folder or the home).
      const places = [volume, join(volume, ".puck-moving"), join(volume, "home")].flatMap((d) => (existsSync(d) ? entries(d) : []));
      expect(places.filter((e) => e.startsWith("f")).sort()).toEqual([...names].sort());
      seen.push(existsSync(join(volume, ".puck-volume")) ? "moved" : existsSync(join(volume, ".puck-moving")) ? "moving" : "not started");
      const r = run(paths, { PUCK_PERSIST: "home", PUCK_IMAGE: "x", PUCK_VOLUME_BYTES: "1" }, ["layout"]);
      expect(r.status, r.stderr).toBe(0);
      expect(entries(volume)).toEqual([".puck-volume", "home"]);
      expect(entries(join(volume, "home")).sort()).toEqual([...names].sort());
      for (const n of names) expect(readFileSync(join(volume, "home", n), "utf8")).toBe(n);
    }
    // A kill landed mid-move at least once (else this test proves nothing).
    expect(seen, `states after each kill: ${seen.join(", ")}`).toContain("moving");
  });
});

/** Runs the layout and SIGKILLs the shell (and its mv) after `ms`. */
function runKilledAfter(paths: ScriptPaths, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", volumeSetupScript(paths, ["layout"])], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PUCK_PERSIST: "home" }, detached: true, stdio: "ignore" });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // Already done.
      }
    }, ms);
    child.on("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe("the system's seed", () => {
  it("copies the image's system once, keeping modes and links (made relative), with empty folders for what it lacks", () => {
    const { paths, volume, source } = scratch();
    makeImage(source);
    const r = run(paths, machine("img:1"));
    expect(r.status, r.stderr).toBe(0);
    const system = join(volume, "system");
    expect(statSync(join(system, "usr/bin/tool")).mode & 0o7777).toBe(0o4755);
    expect(readlinkSync(join(system, "bin"))).toBe("usr/bin");
    expect(readlinkSync(join(system, "lib"))).toBe("usr/lib");
    for (const d of ["opt", "srv", "root", "home", "sbin", "lib64"]) expect(lstatSync(join(system, d)).isDirectory(), d).toBe(true);
    expect(existsSync(join(volume, "system.partial"))).toBe(false);
    const summary = JSON.parse(r.message);
    expect(summary).toMatchObject({ layout: 2, system: { name: "system", image: "img:1" } });
    expect(summary.system.bytes).toBeGreaterThan(0);
    // The home got the image's skeleton, its user and a private mode.
    expect(readFileSync(join(volume, "home/.bashrc"), "utf8")).toBe("PS1=x\n");
    expect(statSync(join(volume, "home")).uid).toBe(1000);
    expect(statSync(join(volume, "home")).mode & 0o7777).toBe(0o700);
    // What the user changed stays: a second start seeds nothing.
    writeFileSync(join(system, "etc/myconf"), "hello");
    expect(run(paths, machine("img:1")).status).toBe(0);
    expect(readFileSync(join(system, "etc/myconf"), "utf8")).toBe("hello");
  });

  it("a copy cut half-way (system.partial) is thrown away and redone, never used", () => {
    const { paths, volume, source } = scratch();
    makeImage(source);
    writeFileSync(join(volume, ".puck-volume"), "2\n");
    mkdirSync(join(volume, "system.partial/usr"), { recursive: true });
    writeFileSync(join(volume, "system.partial/usr/half"), "torn");
    expect(run(paths, machine("img:1")).status).toBe(0);
    expect(existsSync(join(volume, "system/usr/half"))).toBe(false);
    expect(readFileSync(join(volume, "system/usr/bin/tool"), "utf8")).toBe("v1");
  });

  it("a new image seeds a new system and keeps the one the user changed in previous/, until a prune", () => {
    const { paths, volume, source } = scratch();
    makeImage(source);
    expect(run(paths, machine("img:1")).status).toBe(0);
    writeFileSync(join(volume, "system/etc/installed"), "by the user");
    writeFileSync(join(source, "usr/bin/tool"), "v2");
    const r = run(paths, machine("img:2"));
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(volume, "system/usr/bin/tool"), "utf8")).toBe("v2");
    expect(existsSync(join(volume, "system/etc/installed"))).toBe(false);
    const [kept] = entries(join(volume, "previous"));
    expect(readFileSync(join(volume, "previous", kept!, "etc/installed"), "utf8")).toBe("by the user");
    const summary = JSON.parse(r.message);
    expect(summary.system.image).toBe("img:2");
    expect(summary.previousSystems).toEqual([expect.objectContaining({ name: `previous/${kept}`, image: "img:1" })]);
    // The home is not touched by an image change.
    expect(readFileSync(join(volume, "home/.bashrc"), "utf8")).toBe("PS1=x\n");
    const pruned = run(paths, { ...machine("img:2"), PUCK_PRUNE_SYSTEMS: "2026-12-07T05:00:00Z" });
    expect(pruned.status).toBe(0);
    expect(existsSync(join(volume, "previous"))).toBe(false);
    expect(JSON.parse(pruned.message).previousSystems).toBeUndefined();
  });

  it("a volume too small for the system says so with the sizes and the fix, and writes nothing", () => {
    const { paths, volume, source } = scratch();
    makeImage(source);
    writeFileSync(join(source, "usr/big"), Buffer.alloc(3 * 1024 * 1024));
    const r = run(paths, machine("img:1", 1024 * 1024));
    expect(r.status).toBe(1);
    expect(r.message).toMatch(/^The system of img:1 needs 3 MiB on the Sprite's volume, which has \d+ MiB free of 1 MiB: give it more \(spec.storageSize/);
    expect(r.message).toMatch(/spec.persist: home/);
    expect(existsSync(join(volume, "system"))).toBe(false);
    expect(existsSync(join(volume, "system.partial"))).toBe(false);
  });
});
