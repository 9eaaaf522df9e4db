// The DiskPressure condition and its events: a warning past 90 %, cleared when the volume drops back.
import { describe, expect, it } from "vitest";
import { formatBytes, formatDisk, overSizeBytes, overSizeLine, usedPercent, type Condition } from "../api/index.js";
import { diskPressureCondition, diskPressureEvent } from "./disk-pressure.js";

const GiB = 1024 ** 3;
const disk = (used: number, total = 10 * GiB, available = total - used) => ({ usedBytes: used, totalBytes: total, availableBytes: available });
const condition = (status: "True" | "False"): Condition => ({ type: "DiskPressure", status, reason: "x", message: "m", lastTransitionTime: "2026-01-01T00:00:00Z" });

describe("usedPercent and formatting", () => {
  it.each([
    { name: "empty", disk: disk(0), want: 0 },
    { name: "half", disk: disk(5 * GiB), want: 50 },
    { name: "89.1 % rounds up to 90, as df does", disk: disk(8.91 * GiB), want: 90 },
    { name: "reserved blocks count as full: of used + available, not of the total", disk: disk(9 * GiB, 10 * GiB, 0.5 * GiB), want: 95 },
    { name: "a zero-sized filesystem is 0 %", disk: disk(0, 0), want: 0 },
  ])("$name", ({ disk: d, want }) => expect(usedPercent(d)).toBe(want));
  it("bytes print in binary units like df -h", () => {
    expect([0, 1023, 1024, 1536, 10 * 1024 ** 2, 9.3 * GiB].map(formatBytes)).toEqual(["0B", "1023B", "1.0K", "1.5K", "10M", "9.3G"]);
    expect(formatDisk(disk(9.25 * GiB))).toBe("9.3G/10G (93%)");
  });
});

describe("diskPressureCondition", () => {
  it("no figures yet: no condition", () => expect(diskPressureCondition(undefined, 1)).toBeUndefined());
  it("past 90 %: True, DiskAlmostFull, with the figures and the fix", () =>
    expect(diskPressureCondition(disk(9.25 * GiB), 2)).toEqual({
      type: "DiskPressure",
      status: "True",
      reason: "DiskAlmostFull",
      message: "The home volume is 93% full (9.3G of 10G): free some space or grow it (spec.storageSize).",
      observedGeneration: 2,
    }));
  it("below: False, DiskOk", () => expect(diskPressureCondition(disk(1 * GiB), 2)).toMatchObject({ status: "False", reason: "DiskOk", message: "The home volume is 10% full (1.0G of 10G)." }));
  it("a volume holding more than its size: True, OverSize, however empty the node's disk around it", () =>
    expect(diskPressureCondition({ ...disk(100 * GiB, 1000 * GiB), volumeBytes: 12 * GiB }, 2, 10 * GiB)).toEqual({
      type: "DiskPressure",
      status: "True",
      reason: "OverSize",
      message: "The volume holds 12G, past its size of 10G; this storage does not stop it there, and the node's disk is shared: free some space or grow it (spec.storageSize).",
      observedGeneration: 2,
    }));
  it("within its size, the filesystem's figures decide", () =>
    expect(diskPressureCondition({ ...disk(1 * GiB), volumeBytes: 9 * GiB }, 2, 10 * GiB)).toMatchObject({ status: "False", reason: "DiskOk" }));
});

describe("overSizeBytes and overSizeLine", () => {
  it("say how far past spec.storageSize the measured volume is, and only then", () => {
    const spec = { image: "x", storageSize: "10Gi" };
    expect(overSizeBytes({ ...disk(1 * GiB), volumeBytes: 11 * GiB }, spec)).toBe(GiB);
    expect(overSizeBytes({ ...disk(1 * GiB), volumeBytes: 10 * GiB }, spec)).toBeUndefined();
    expect(overSizeBytes(disk(9.9 * GiB), spec)).toBeUndefined();
    expect(overSizeLine({ ...disk(1 * GiB), volumeBytes: 11 * GiB }, spec, "dev")).toBe(
      "Puck: this Sprite's disk holds 11G, past its size of 10Gi; the storage does not stop it and the node's disk is shared: free some space, or grow it (spec.storageSize; puck describe dev)",
    );
  });
});

describe("diskPressureEvent", () => {
  const full = diskPressureCondition(disk(9.5 * GiB), 1);
  const fine = diskPressureCondition(disk(1 * GiB), 1);
  it.each([
    { name: "becoming full warns", previous: condition("False"), next: full, want: { type: "Warning", reason: "DiskAlmostFull" } },
    { name: "full at the first report warns", previous: undefined, next: full, want: { type: "Warning", reason: "DiskAlmostFull" } },
    { name: "staying full does not warn again", previous: condition("True"), next: full, want: undefined },
    { name: "dropping back says so", previous: condition("True"), next: fine, want: { type: "Normal", reason: "DiskOk" } },
    { name: "fine at the first report is no news", previous: undefined, next: fine, want: undefined },
    { name: "no figures, no event", previous: condition("True"), next: undefined, want: undefined },
  ])("$name", ({ previous, next, want }) => {
    const event = diskPressureEvent(previous, next);
    if (want === undefined) expect(event).toBeUndefined();
    else expect(event).toMatchObject(want);
  });
});
