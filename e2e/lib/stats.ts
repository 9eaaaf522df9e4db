// The statistics every benchmark prints (medians, percentiles, a summary line), its clock, its pauses
// and its numeric arguments.

export const now = () => Number(process.hrtime.bigint() / 1_000_000n);

/** The value below which `fraction` of the samples lie (nearest rank). */
export function percentile(xs: number[], fraction: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

export const median = (xs: number[]) => percentile(xs, 0.5);

/**
 * A random pause, so that successive runs do not line up with periodic work in the cluster (the
 * kubelet relists its containers every second; a fixed rhythm would always hit the same phase).
 */
export const randomPause = (maxMs: number) => new Promise((r) => setTimeout(r, Math.random() * maxMs));

export function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not ${process.argv[i + 1]}`);
  return value;
}

export function summary(label: string, xs: number[]): string {
  return `${label.padEnd(52)} median ${String(median(xs)).padStart(5)} ms  p90 ${String(percentile(xs, 0.9)).padStart(5)} ms  min ${String(Math.min(...xs)).padStart(5)} ms`;
}
