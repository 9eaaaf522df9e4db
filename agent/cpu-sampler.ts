// Measures CPU use per process with pidusage, asking only about processes that used CPU since the last scan.
import pidusage from "pidusage";
import { CLOCK_TICKS_PER_SECOND, type ProcessInfo } from "./proc-scanner.js";

/** pidusage's interface: percent of one core since its previous call for each pid. */
export type UsageSource = (pids: number[]) => Promise<Record<string, { cpu: number } | undefined>>;

export interface CpuReadings {
  /** Percent of one core per pid; 0 for processes that did not run since the last scan. */
  percent: Map<number, number>;
  /** All processes together. */
  totalPercent: number;
}

/**
 * pidusage keeps state per pid (its previous reading, and an open fd to /proc/<pid>/stat). With
 * `maxage` a few scans long, the state of a pid we stop asking about — it exited or went idle —
 * expires by itself, so nothing accumulates over the Sprite's life.
 */
export function defaultUsageSource(scanIntervalMs: number): UsageSource {
  const maxage = Math.max(5_000, scanIntervalMs * 5);
  return async (pids) => (pids.length === 0 ? {} : ((await pidusage(pids, { maxage })) as Record<string, { cpu: number }>));
}

export interface CpuSampler {
  sample(processes: ProcessInfo[]): Promise<CpuReadings>;
}

interface TickReading {
  startTimeMs: number;
  ticks: number;
  childTicks: number;
}

/**
 * The scan already read each process's CPU ticks: an idle process (no new ticks) is 0 % without
 * asking pidusage, so 200 sleeping processes cost nothing here; only the ones that ran are measured.
 * A process is also charged for the children it reaped since the last sample (pidusage counts only
 * a process's own time), so a loop that forks short-lived commands is as busy as the CPU it burns.
 */
export function createCpuSampler(usage: UsageSource, nowMs: () => number = () => performance.now()): CpuSampler {
  let lastTicks = new Map<number, TickReading>();
  let lastSampleMs: number | undefined;
  return {
    async sample(processes) {
      const ran: number[] = [];
      const reapedPercent = new Map<number, number>();
      const now = nowMs();
      const elapsedSeconds = lastSampleMs === undefined ? 0 : (now - lastSampleMs) / 1000;
      lastSampleMs = now;
      const nextTicks = new Map<number, TickReading>();
      for (const p of processes) {
        const before = lastTicks.get(p.pid);
        const same = before !== undefined && before.startTimeMs === p.startTimeMs;
        if (!same || p.cpuTicks !== before.ticks) ran.push(p.pid);
        if (same && elapsedSeconds > 0 && p.reapedChildCpuTicks > before.childTicks) {
          const seconds = (p.reapedChildCpuTicks - before.childTicks) / CLOCK_TICKS_PER_SECOND;
          reapedPercent.set(p.pid, (100 * seconds) / elapsedSeconds);
        }
        nextTicks.set(p.pid, { startTimeMs: p.startTimeMs, ticks: p.cpuTicks, childTicks: p.reapedChildCpuTicks });
      }
      lastTicks = nextTicks;
      let stats: Record<string, { cpu: number } | undefined> = {};
      try {
        stats = await usage(ran);
      } catch {
        // pidusage fails the whole batch when one pid exits mid-read: measure them one by one then.
        for (const pid of ran) {
          try {
            Object.assign(stats, await usage([pid]));
          } catch {
            // exited: nothing to measure
          }
        }
      }
      const percent = new Map<number, number>();
      let totalPercent = 0;
      for (const p of processes) {
        const cpu = (stats[String(p.pid)]?.cpu ?? 0) + (reapedPercent.get(p.pid) ?? 0);
        percent.set(p.pid, cpu);
        totalPercent += cpu;
      }
      return { percent, totalPercent };
    },
  };
}
