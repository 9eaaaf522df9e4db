// The home volume's fullness, from a statfs of the mount the agent already has (read-only).
import { statfsSync } from "node:fs";
import type { DiskUsage } from "../operator/api/index.js";
import type { VolumeMeasure } from "./volume-meter.js";

/** Reads the filesystem that holds `path`; undefined when it cannot (the mount went away). */
export function readDiskUsage(path: string): DiskUsage | undefined {
  try {
    const s = statfsSync(path, { bigint: true });
    return fromStatfs({ bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail });
  } catch {
    return undefined;
  }
}

/** The filesystem's figures with the volume's own use, once the agent has walked it. */
export function withVolume(disk: DiskUsage | undefined, volume: VolumeMeasure | undefined): DiskUsage | undefined {
  if (!disk || !volume) return disk;
  return { ...disk, volumeBytes: volume.usedBytes, volumeMeasuredAt: new Date(volume.measuredAtMs).toISOString() };
}

/** The figures `df` shows: used = blocks − free, available = blocks available to a non-root user. */
export function fromStatfs(s: { bsize: bigint; blocks: bigint; bfree: bigint; bavail: bigint }): DiskUsage {
  return {
    usedBytes: Number((s.blocks - s.bfree) * s.bsize),
    totalBytes: Number(s.blocks * s.bsize),
    availableBytes: Number(s.bavail * s.bsize),
  };
}
