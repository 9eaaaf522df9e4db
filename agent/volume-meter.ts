// The Sprite volume's own use — what its files take, as `du` counts it — measured by walking the
// volume (the agent mounts its root read-only). statfs cannot say it: with k3s's local-path, a
// volume is a directory on the node's disk, and statfs gives the whole disk's figures.
//
// A walk costs CPU in proportion to the files (about 200 k in a home with a few projects), so the
// pause after each walk is a multiple of the CPU it took: whatever the volume holds, the walks take
// at most 1 / WALK_CPU_SHARE_DIVISOR of a core on average. The walk reads one entry at a time
// and yields every few thousand entries, so the agent's one-second ticks are never held up for long.
import { lstatSync, opendirSync } from "node:fs";
import { join } from "node:path";

/** Walks take at most 1/100 of a core: the pause after a walk is 99 times its CPU time. */
export const WALK_CPU_SHARE_DIVISOR = 100;
/** Nor more often than this, however small the volume. */
export const MIN_WALK_INTERVAL_MS = 60_000;
/** The first walk waits this long after the agent starts: a wake is busy enough without it. */
export const FIRST_WALK_DELAY_MS = 20_000;
/** Entries handled between two yields to the event loop. */
const ENTRIES_PER_SLICE = 2000;

export interface VolumeMeasure {
  /** Bytes the volume's files take on disk (allocated blocks; a hard-linked file counted once). */
  usedBytes: number;
  files: number;
  /** When the walk ended. */
  measuredAtMs: number;
  /** CPU the walk took (user + system), ms. */
  cpuMs: number;
}

/** How long to wait after a walk that took `cpuMs` of CPU before the next. Pure. */
export const nextWalkDelayMs = (cpuMs: number): number => Math.max(MIN_WALK_INTERVAL_MS, cpuMs * (WALK_CPU_SHARE_DIVISOR - 1));

const cpuNowMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Walks the tree under `root` without following links or leaving its filesystem; directories it
 * cannot read are skipped (the agent's DAC_READ_SEARCH lets it read them all in a Sprite's pod).
 */
export async function measureVolume(root: string, now: () => number = Date.now, signal?: AbortSignal): Promise<VolumeMeasure> {
  const cpuStart = cpuNowMs();
  const rootStat = lstatSync(root);
  const linked = new Set<number>();
  let usedBytes = rootStat.blocks * 512;
  let files = 0;
  let sinceYield = 0;
  const pending = [root];
  while (pending.length > 0) {
    if (signal?.aborted) throw signal.reason;
    const dir = pending.pop()!;
    // One entry at a time (not readdir's whole list): a big directory's names would live long
    // enough to reach V8's old space, and the agent's memory would grow by megabytes per walk.
    let handle;
    try {
      handle = opendirSync(dir, { bufferSize: 32 });
    } catch {
      continue;
    }
    try {
      for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
        if (++sinceYield >= ENTRIES_PER_SLICE) {
          sinceYield = 0;
          await yieldToLoop();
        }
        const path = join(dir, entry.name);
        const st = lstatSync(path, { throwIfNoEntry: false });
        if (!st || st.dev !== rootStat.dev) continue; // gone since the listing, or another filesystem
        files++;
        // Hard links (common in a system: git's objects, some /usr/bin tools) count once.
        if (st.nlink > 1 && !st.isDirectory()) {
          if (linked.has(st.ino)) continue;
          linked.add(st.ino);
        }
        usedBytes += st.blocks * 512;
        if (st.isDirectory()) pending.push(path);
      }
    } catch {
      // A directory that went away while it was read: what was counted stays counted.
    } finally {
      handle.closeSync();
    }
  }
  return { usedBytes, files, measuredAtMs: now(), cpuMs: cpuNowMs() - cpuStart };
}

/** Measures the volume again and again, each time after nextWalkDelayMs; `latest()` is the last. */
export function startVolumeMeter(options: {
  root: string;
  signal: AbortSignal;
  onError: (error: unknown) => void;
  onMeasure?: (m: VolumeMeasure) => void;
}): { latest: () => VolumeMeasure | undefined } {
  let latest: VolumeMeasure | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      options.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  const run = async () => {
    await pause(FIRST_WALK_DELAY_MS);
    while (!options.signal.aborted) {
      let delay = MIN_WALK_INTERVAL_MS;
      try {
        latest = await measureVolume(options.root, Date.now, options.signal);
        options.onMeasure?.(latest);
        delay = nextWalkDelayMs(latest.cpuMs);
      } catch (error) {
        if (options.signal.aborted) return;
        options.onError(error);
      }
      await pause(delay);
    }
  };
  void run();
  return { latest: () => latest };
}
