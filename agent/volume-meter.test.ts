// The volume's own use, against du's count of the same tree.
import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MIN_WALK_INTERVAL_MS, measureVolume, nextWalkDelayMs } from "./volume-meter.js";

const root = mkdtempSync(join(tmpdir(), "volume-meter-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("measureVolume", () => {
  it("counts what du counts: allocated blocks, a hard link once, a symlink as itself, nested directories", async () => {
    mkdirSync(join(root, "home/project/src"), { recursive: true });
    writeFileSync(join(root, "home/big"), Buffer.alloc(3 << 20, 1));
    writeFileSync(join(root, "home/project/src/a.c"), "int main() { return 0; }\n");
    linkSync(join(root, "home/big"), join(root, "home/big-again"));
    symlinkSync("big", join(root, "home/link"));
    for (let i = 0; i < 3000; i++) writeFileSync(join(root, `home/project/f${i}`), "x".repeat(i % 5000));
    const du = Number(execFileSync("du", ["-s", "-B1", root], { encoding: "utf8" }).split("\t")[0]);
    const measured = await measureVolume(root);
    expect(measured.usedBytes).toBe(du);
    // 3000 files, big, its link, the symlink, a.c; home, project, src.
    expect(measured.files).toBe(3000 + 4 + 3);
    expect(measured.cpuMs).toBeGreaterThan(0);
  });
});

describe("nextWalkDelayMs", () => {
  it("pauses 99 times the walk's CPU, so walks take at most 1% of a core, and at least a minute", () => {
    expect(nextWalkDelayMs(2000)).toBe(198_000);
    expect(nextWalkDelayMs(5)).toBe(MIN_WALK_INTERVAL_MS);
  });
});
