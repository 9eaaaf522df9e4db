// The network part of the agent's report, in words: the operator's message and `puck describe` say it alike.
import { formatBytes } from "./disk.js";
import type { NetworkActivity } from "./sprite-schema.js";

/** "3.2M in the last 5 min" (the window rounded to minutes, or seconds while shorter than one). */
export function networkSummary(n: NetworkActivity): string {
  const seconds = n.windowSeconds ?? 0;
  const window = seconds >= 60 ? `${Math.round(seconds / 60)} min` : `${seconds} s`;
  return `${formatBytes(n.bytes ?? 0)} in the last ${window}`;
}
