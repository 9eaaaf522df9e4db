// Durations and times as people type and read them: "45m", "2h30m", ages like kubectl's, countdowns.

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "90s", "45m", "2h", "1h30m", "1d"; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?[smhd])+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? "s"] ?? 0);
  }
  return total;
}

/** An idle timeout: a bare number is minutes, else a duration that is a whole number of minutes. */
export function parseIdleTimeoutMinutes(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const ms = parseDuration(trimmed);
  if (ms === undefined || ms % 60_000 !== 0) return undefined;
  return ms / 60_000;
}

/** kubectl's compact age: 45s, 12m, 3h20m, 5d, 2y. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return m >= 60 && m % 60 ? `${Math.floor(m / 60)}h${m % 60}m` : m >= 60 ? `${m / 60}h` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return h % 24 && h >= 24 ? `${Math.floor(h / 24)}d${h % 24}h` : `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 730) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

/** Time since an RFC 3339 timestamp, "<unknown>" when missing or unparsable. */
export function ageSince(timestamp: string | undefined, now: Date, unknown = "<unknown>"): string {
  const t = timestamp ? Date.parse(timestamp) : NaN;
  return Number.isNaN(t) ? unknown : formatAge(now.getTime() - t);
}

/** Time until an RFC 3339 timestamp: "12m", "now" once passed, `unknown` when missing. */
export function timeUntil(timestamp: string | undefined, now: Date, unknown = "-"): string {
  const t = timestamp ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(t)) return unknown;
  const ms = t - now.getTime();
  return ms <= 0 ? "now" : formatAge(ms);
}
