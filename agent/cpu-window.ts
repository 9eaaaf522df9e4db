// Keeps a short window of CPU samples per process, so that "busy" means sustained, not a spike.

export interface CpuSample {
  atMs: number;
  percent: number;
}

export interface CpuTrack {
  /** Start time of the process the samples belong to: a reused pid starts a new track. */
  startTimeMs: number;
  samples: CpuSample[];
}

export type CpuWindow = Map<number, CpuTrack>;

/**
 * Adds this scan's readings (percent of one core per pid) and forgets processes that exited or
 * whose pid was reused: state must not grow with every short-lived process ever seen.
 */
export function updateCpuWindow(
  window: CpuWindow,
  readings: Map<number, number>,
  alive: Map<number, number>,
  nowMs: number,
  windowMs: number,
): CpuWindow {
  const next: CpuWindow = new Map();
  for (const [pid, startTimeMs] of alive) {
    const previous = window.get(pid);
    const track: CpuTrack = previous && previous.startTimeMs === startTimeMs ? previous : { startTimeMs, samples: [] };
    const percent = readings.get(pid);
    if (percent !== undefined) track.samples.push({ atMs: nowMs, percent });
    // Keep one sample older than the window: it anchors how long the window really spans.
    while (track.samples.length > 1 && track.samples[1]!.atMs <= nowMs - windowMs) track.samples.shift();
    next.set(pid, track);
  }
  return next;
}

/**
 * The mean CPU use over the window, once the samples span at least half of it; undefined before,
 * so that a process has to stay busy for a while before it counts (and a first sample, which
 * pidusage reports as about 0, cannot decide alone).
 */
export function sustainedCpu(track: CpuTrack | undefined, nowMs: number, windowMs: number): number | undefined {
  if (!track || track.samples.length === 0) return undefined;
  const recent = track.samples.filter((s) => s.atMs > nowMs - windowMs);
  if (recent.length === 0) return 0;
  const first = track.samples[0]!;
  if (nowMs - first.atMs < windowMs / 2) return undefined;
  return recent.reduce((sum, s) => sum + s.percent, 0) / recent.length;
}
