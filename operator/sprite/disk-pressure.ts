// The DiskPressure condition and its events, from the home volume's figures the agent reports. Pure.
import { CONDITION, DISK_PRESSURE_PERCENT, REASON, formatBytes, usedPercent, type Condition, type DiskUsage } from "../api/index.js";
import type { ConditionInput } from "./conditions.js";

/**
 * The condition for these figures; undefined before the agent first reported them. A volume that
 * holds more than its size (`sizeBytes`, spec.storageSize) is under pressure whatever the
 * filesystem says: on storage that enforces no size it would go on until the node's disk is full.
 */
export function diskPressureCondition(disk: DiskUsage | undefined, generation: number, sizeBytes?: number): ConditionInput | undefined {
  if (!disk) return undefined;
  if (sizeBytes !== undefined && disk.volumeBytes !== undefined && disk.volumeBytes > sizeBytes) {
    const message = `The volume holds ${formatBytes(disk.volumeBytes)}, past its size of ${formatBytes(sizeBytes)}; this storage does not stop it there, and the node's disk is shared: free some space or grow it (spec.storageSize).`;
    return { type: CONDITION.diskPressure, status: "True", reason: REASON.overSize, message, observedGeneration: generation };
  }
  const percent = usedPercent(disk);
  const figures = `${percent}% full (${formatBytes(disk.usedBytes)} of ${formatBytes(disk.totalBytes)})`;
  return percent >= DISK_PRESSURE_PERCENT
    ? { type: CONDITION.diskPressure, status: "True", reason: REASON.diskAlmostFull, message: `The home volume is ${figures}: free some space or grow it (spec.storageSize).`, observedGeneration: generation }
    : { type: CONDITION.diskPressure, status: "False", reason: REASON.diskOk, message: `The home volume is ${figures}.`, observedGeneration: generation };
}

/** The event a change of the condition deserves: a warning when it starts, a note when it ends. */
export function diskPressureEvent(
  previous: Condition | undefined,
  next: ConditionInput | undefined,
): { type: "Warning" | "Normal"; reason: string; message: string } | undefined {
  if (!next || previous?.status === next.status) return undefined;
  if (next.status === "True") return { type: "Warning", reason: next.reason ?? REASON.diskAlmostFull, message: next.message ?? "" };
  // From nothing to fine is no news; from full to fine is.
  if (previous?.status === "True") return { type: "Normal", reason: REASON.diskOk, message: next.message ?? "" };
  return undefined;
}
