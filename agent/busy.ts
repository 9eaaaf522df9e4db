// Decides which processes keep the Sprite awake by themselves: sustained CPU, or a matching command.
import type { BusyProcess } from "../operator/api/index.js";
import type { ProcessInfo } from "./proc-scanner.js";

export const MAX_BUSY_PROCESSES = 8;

export interface BusyRules {
  busyCpuPercent: number;
  /** Compiled spec.activity.busyCommands; invalid patterns were dropped (and logged) when compiled. */
  busyCommands: RegExp[];
}

/**
 * Busy processes, busiest first, at most eight. `cpuOf` gives sustained CPU, undefined while unknown.
 * A process already busy (`wasBusy`) stays busy until it falls below half the threshold, so one
 * hovering around it does not flip the Sprite's state at every scan.
 */
export function busyProcesses(
  candidates: ProcessInfo[],
  cpuOf: (pid: number) => number | undefined,
  rules: BusyRules,
  userOf: (uid: number) => string,
  wasBusy: (pid: number) => boolean = () => false,
): BusyProcess[] {
  const busy: BusyProcess[] = [];
  for (const p of candidates) {
    const cpu = cpuOf(p.pid);
    const threshold = wasBusy(p.pid) ? rules.busyCpuPercent / 2 : rules.busyCpuPercent;
    const byCpu = cpu !== undefined && cpu >= threshold;
    const byCommand = !byCpu && rules.busyCommands.some((re) => re.test(p.cmdline));
    if (!byCpu && !byCommand) continue;
    busy.push({
      pid: p.pid,
      user: userOf(p.uid),
      command: p.cmdline,
      cpuPercent: Math.round(cpu ?? 0),
      reason: byCpu ? "Cpu" : "Command",
    });
  }
  busy.sort((a, b) => b.cpuPercent - a.cpuPercent || a.pid - b.pid);
  return busy.slice(0, MAX_BUSY_PROCESSES);
}

/** Compiles busyCommands; returns the patterns that are not valid regular expressions separately. */
export function compileBusyCommands(patterns: readonly string[] | undefined): { regexps: RegExp[]; invalid: string[] } {
  const regexps: RegExp[] = [];
  const invalid: string[] = [];
  for (const pattern of patterns ?? []) {
    try {
      regexps.push(new RegExp(pattern));
    } catch {
      invalid.push(pattern);
    }
  }
  return { regexps, invalid };
}
