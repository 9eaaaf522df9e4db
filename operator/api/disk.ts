// A home volume's size, and how full it is as every component computes it from the agent's figures. Pure.
import { DISK_PRESSURE_PERCENT } from "./group.js";
import { DEFAULT_STORAGE_SIZE, type DiskUsage, type SpriteSpec } from "./sprite-schema.js";
import { parseQuantity } from "../../kube/quantity.js";

/** The home volume's size: the spec's, else the one default. */
export const storageSize = (spec: SpriteSpec): string => String(spec.storageSize ?? DEFAULT_STORAGE_SIZE);

/**
 * Percent in use as `df` computes it: of what the user can reach (used + available), so blocks a
 * filesystem reserves for root count as full; rounded up, so 89.1 % is not yet a calm 89.
 */
export function usedPercent(disk: DiskUsage): number {
  const reachable = disk.usedBytes + (disk.availableBytes ?? disk.totalBytes - disk.usedBytes);
  return reachable <= 0 ? 0 : Math.ceil((disk.usedBytes * 100) / reachable);
}

export const underDiskPressure = (disk: DiskUsage | undefined): boolean => disk !== undefined && usedPercent(disk) >= DISK_PRESSURE_PERCENT;

/** Bytes for people, in binary units as `df -h` prints them: 512M, 9.3G. */
export function formatBytes(bytes: number): string {
  const units = ["B", "K", "M", "G", "T", "P"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 || value >= 10 ? Math.round(value).toString() : value.toFixed(1);
  return `${text}${units[unit]}`;
}

/** "9.3G/10G (93%)" */
export const formatDisk = (disk: DiskUsage): string => `${formatBytes(disk.usedBytes)}/${formatBytes(disk.totalBytes)} (${usedPercent(disk)}%)`;

/** Bytes the volume holds past its size (spec.storageSize); undefined until measured or when within it. */
export function overSizeBytes(disk: DiskUsage | undefined, spec: SpriteSpec): number | undefined {
  const size = parseQuantity(storageSize(spec));
  if (disk?.volumeBytes === undefined || size === undefined || disk.volumeBytes <= size) return undefined;
  return disk.volumeBytes - size;
}

/** What a Sprite's terminals are told once when its volume grows past its size. */
export const overSizeLine = (disk: DiskUsage, spec: SpriteSpec, name: string): string =>
  `Puck: this Sprite's disk holds ${formatBytes(disk.volumeBytes ?? 0)}, past its size of ${storageSize(spec)}; ` +
  `the storage does not stop it and the node's disk is shared: free some space, or grow it (spec.storageSize; puck describe ${name})`;
