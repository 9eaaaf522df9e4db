// Parsing of option values shared by several commands, each failure a usage error naming the value.
import { parseDuration } from "./duration.js";
import { EXIT, PuckError } from "./errors.js";

export function parseTimeout(value: unknown, flag = "--timeout"): number {
  const ms = typeof value === "string" ? parseDuration(value) : undefined;
  if (ms === undefined || ms <= 0) {
    throw new PuckError(`${flag} "${String(value)}" is not a duration`, "use e.g. 90s, 5m or 1h", EXIT.usage);
  }
  return ms;
}
