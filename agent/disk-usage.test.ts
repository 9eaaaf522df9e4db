// Reading the home volume's figures: df's arithmetic on statfs, and a real statfs.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { fromStatfs, readDiskUsage } from "./disk-usage.js";

describe("disk usage", () => {
  it("used is blocks minus free blocks; available is what a non-root user may write", () =>
    expect(fromStatfs({ bsize: 4096n, blocks: 1000n, bfree: 300n, bavail: 250n })).toEqual({ usedBytes: 700 * 4096, totalBytes: 1000 * 4096, availableBytes: 250 * 4096 }));
  it("sizes past 2^32 blocks stay exact", () => expect(fromStatfs({ bsize: 4096n, blocks: 2n ** 33n, bfree: 0n, bavail: 0n }).totalBytes).toBe(2 ** 45));
  it("a real filesystem's figures agree with df", () => {
    const [total, used] = execFileSync("df", ["-B1", "--output=size,used", "/tmp"], { encoding: "utf8" }).trim().split("\n")[1]!.trim().split(/\s+/).map(Number);
    const usage = readDiskUsage("/tmp");
    expect(usage?.totalBytes).toBe(total);
    // Others write to /tmp meanwhile: the same within a few MiB.
    expect(Math.abs((usage?.usedBytes ?? 0) - used!)).toBeLessThan(16 * 1024 ** 2);
  });
  it("a path that is not there reads as unknown, not as an error", () => expect(readDiskUsage("/no/such/mount")).toBeUndefined());
});
