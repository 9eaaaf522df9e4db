// Reads the keep-alive file a user writes with `keepawake`: an RFC 3339 time to stay awake until.
import type { Logger } from "./logger.js";

export type KeepAwake = { untilMs: number } | { ignored: string } | { absent: true };

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses the file's text. An expired or malformed keep-alive is ignored with the reason, which the
 * caller logs; an expired one is reported as ignored only here, when read — one that expires later
 * simply stops counting (the aggregator compares it with the clock).
 */
export function parseKeepAwake(text: string | undefined, nowMs: number): KeepAwake {
  if (text === undefined) return { absent: true };
  const value = text.trim();
  if (value === "") return { ignored: "the file is empty" };
  if (!RFC3339.test(value)) return { ignored: `"${value.slice(0, 64)}" is not an RFC 3339 time such as 2026-01-02T15:04:05Z` };
  const untilMs = Date.parse(value.replace(" ", "T"));
  if (Number.isNaN(untilMs)) return { ignored: `"${value.slice(0, 64)}" is not a valid date` };
  if (untilMs <= nowMs) return { ignored: `it expired at ${new Date(untilMs).toISOString()}` };
  return { untilMs };
}

/** Logs once when a keep-alive that was in force runs out; call it on every tick. */
export function keepAwakeExpiryNotice(log: Logger) {
  let inForce = false;
  return (untilMs: number | undefined, nowMs: number): void => {
    const now = untilMs !== undefined && untilMs > nowMs;
    if (inForce && !now) log.info("Keep-alive expired", { until: untilMs !== undefined ? new Date(untilMs).toISOString() : undefined });
    inForce = now;
  };
}
