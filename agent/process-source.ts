// Reads the Sprite's processes: one /proc scan sorted into sessions and candidates, their CPU over a
// window, the busy ones, user names from the main container's passwd, and the home volume's disk.
import { join } from "node:path";
import type { BusyProcess, DiskUsage, ServiceStatus, SpriteSpec } from "../operator/api/index.js";
import { busyProcesses, compileBusyCommands, type BusyRules } from "./busy.js";
import { classify, type Classified, type ClassifyOptions } from "./classify.js";
import type { CpuSampler } from "./cpu-sampler.js";
import { sustainedCpu, updateCpuWindow, type CpuWindow } from "./cpu-window.js";
import type { Logger } from "./logger.js";
import type { ProcScanner } from "./proc-scanner.js";
import { createUserNames } from "./user-names.js";

const DEFAULT_BUSY_CPU_PERCENT = 10;

export interface ProcessSourceOptions {
  log: Logger;
  now: () => number;
  scanner: ProcScanner;
  cpu: CpuSampler;
  classifyOptions: ClassifyOptions;
  procRoot: string;
  /** How long CPU use must last to count as busy. */
  cpuWindowMs: number;
  /**
   * How often every process is re-read and measured (CPU, foreground command). In between, a scan
   * only lists /proc to see processes start and end — enough for sessions, and far cheaper.
   */
  refreshMs?: number;
  /** The home volume's filesystem; read with every full refresh. */
  disk?: () => DiskUsage | undefined;
  /** The services' state (agent/services-source.ts); read with every full refresh. */
  services?: () => ServiceStatus[];
}

export interface ProcessObservation {
  seen: Classified;
  busy: BusyProcess[];
  /** CPU use of all counted processes at the last refresh, percent of one core. */
  cpuPercent: number;
  userOf: (uid: number) => string;
  disk?: DiskUsage;
  services?: ServiceStatus[];
  /** Whether this scan re-read every process (and the disk). */
  refreshed: boolean;
}

export interface ProcessSource {
  observe(nowMs: number, activity: SpriteSpec["activity"]): Promise<ProcessObservation>;
}

export function createProcessSource(options: ProcessSourceOptions): ProcessSource {
  const { log } = options;
  const userNames = createUserNames(options.now);
  const rulesFor = busyRulesCache(log);
  let cpuWindow: CpuWindow = new Map();
  let lastRefreshMs = -Infinity;
  let cpuPercent = 0;
  let disk: DiskUsage | undefined;
  let services: ServiceStatus[] | undefined;
  let wasBusy = new Set<number>();

  return {
    async observe(nowMs, activity) {
      const refreshed = nowMs - lastRefreshMs >= (options.refreshMs ?? 0);
      const seen = classify(options.scanner.scan({ refresh: refreshed }), options.classifyOptions);
      if (refreshed) {
        lastRefreshMs = nowMs;
        disk = options.disk?.();
        services = options.services?.();
        const readings = await options.cpu.sample(seen.candidates);
        cpuPercent = readings.totalPercent;
        const starts = new Map(seen.candidates.map((p) => [p.pid, p.startTimeMs]));
        cpuWindow = updateCpuWindow(cpuWindow, readings.percent, starts, nowMs, options.cpuWindowMs);
      }
      // The agent's own /etc/passwd is not the Sprite's: read the main container's.
      const passwd = seen.mainInit ? join(options.procRoot, String(seen.mainInit.pid), "root", "etc", "passwd") : "/etc/passwd";
      const userOf = userNames(passwd);
      const busy = busyProcesses(
        seen.candidates,
        (pid) => sustainedCpu(cpuWindow.get(pid), nowMs, options.cpuWindowMs),
        rulesFor(activity),
        userOf,
        (pid) => wasBusy.has(pid),
      );
      wasBusy = new Set(busy.map((b) => b.pid));
      return { seen, busy, cpuPercent, userOf, refreshed, ...(disk ? { disk } : {}), ...(services ? { services } : {}) };
    },
  };
}

/** The Sprite's busy rules, compiled again only when spec.activity changes (invalid patterns logged once). */
function busyRulesCache(log: Logger): (activity: SpriteSpec["activity"]) => BusyRules {
  let key = "";
  let rules: BusyRules = { busyCpuPercent: DEFAULT_BUSY_CPU_PERCENT, busyCommands: [] };
  return (activity) => {
    const next = JSON.stringify(activity ?? {});
    if (next !== key) {
      key = next;
      const compiled = compileBusyCommands(activity?.busyCommands);
      for (const pattern of compiled.invalid) log.warn("Ignored busyCommands pattern that is not a regular expression", { pattern });
      rules = { busyCpuPercent: activity?.busyCpuPercent ?? DEFAULT_BUSY_CPU_PERCENT, busyCommands: compiled.regexps };
    }
    return rules;
  };
}
