// One tick of the agent: read the sources, aggregate, warn terminals before hibernation, publish if due.
import { join } from "node:path";
import { IDLE_TIMEOUT_MINUTES, type DiskUsage, type Sprite } from "../operator/api/index.js";
import { aggregate, decisionKey, publishReason, type PublishState, type TerminalSeen, type Verdict } from "./aggregate.js";
import { busyProcesses, compileBusyCommands, type BusyRules } from "./busy.js";
import { classify, type ClassifyOptions } from "./classify.js";
import type { CpuSampler } from "./cpu-sampler.js";
import { sustainedCpu, updateCpuWindow, type CpuWindow } from "./cpu-window.js";
import type { KeepAwake } from "./keep-awake.js";
import type { Logger } from "./logger.js";
import { ttyName, type ProcScanner } from "./proc-scanner.js";
import { terminalPath, terminalTimes as readTerminalTimes, writeToTerminal as writeTerminal } from "./tty-stat.js";
import { createUserNames } from "./user-names.js";
import { activityExcludingOwnWrite, expectedHibernation, restartWarningText, warningDue, warningText, type OwnWrite, type WarningKind } from "./warn.js";

const DEFAULT_BUSY_CPU_PERCENT = 10;
const MAX_RETRY_MS = 30_000;

export interface LoopDeps {
  log: Logger;
  now: () => number;
  agentStartMs: number;
  scanner: ProcScanner;
  cpu: CpuSampler;
  classifyOptions: ClassifyOptions;
  procRoot: string;
  sprite: () => Sprite | undefined;
  keepAwake: () => KeepAwake;
  publish: (verdict: Verdict) => Promise<void>;
  heartbeatMs: number;
  /** How long CPU use must last to count as busy. */
  cpuWindowMs: number;
  /**
   * How often every process is re-read and measured (CPU, foreground command). In between, a tick
   * only lists /proc to see processes start and end — enough for sessions, and far cheaper.
   */
  refreshMs?: number;
  terminalTimes?: typeof readTerminalTimes;
  writeToTerminal?: typeof writeTerminal;
  /** The home volume's filesystem; read with every full refresh. */
  disk?: () => DiskUsage | undefined;
}

type Terminal = TerminalSeen & { key: string; ttyNr: number; fdPath?: string };

export interface TickResult {
  verdict: Verdict;
  published?: "first" | "changed" | "heartbeat";
}

export interface AgentLoop {
  /** Runs one tick; a tick asked for while one runs is folded into a single follow-up tick. */
  tick(): Promise<TickResult | undefined>;
}

const wakeRequested = (sprite: Sprite | undefined): number | undefined => {
  const ms = Date.parse(sprite?.spec.wakeRequestedAt ?? "");
  return Number.isNaN(ms) ? undefined : ms;
};

export function createAgentLoop(deps: LoopDeps): AgentLoop {
  const { log } = deps;
  const terminalTimes = deps.terminalTimes ?? readTerminalTimes;
  const writeToTerminal = deps.writeToTerminal ?? writeTerminal;
  const userNames = createUserNames(deps.now);
  let cpuWindow: CpuWindow = new Map();
  let publishState: PublishState = {};
  let failures = 0;
  let retryAtMs = 0;
  let lastActiveMs: number | undefined;
  let seededFromStatus = false;
  let rulesKey = "";
  let rules: BusyRules = { busyCpuPercent: DEFAULT_BUSY_CPU_PERCENT, busyCommands: [] };
  const ownWrites = new Map<string, OwnWrite>();
  const warnedFor: Partial<Record<WarningKind, number>> = {};
  let keepAwakeInForce = false;
  let lastRefreshMs = -Infinity;
  let lastReadings = { totalPercent: 0 };
  let disk: DiskUsage | undefined;
  let wasBusy = new Set<number>();
  let running: Promise<TickResult | undefined> | undefined;
  let again = false;

  const rulesFor = (sprite: Sprite | undefined): BusyRules => {
    const activity = sprite?.spec.activity;
    const key = JSON.stringify(activity ?? {});
    if (key !== rulesKey) {
      rulesKey = key;
      const compiled = compileBusyCommands(activity?.busyCommands);
      for (const pattern of compiled.invalid) log.warn("Ignored busyCommands pattern that is not a regular expression", { pattern });
      rules = { busyCpuPercent: activity?.busyCpuPercent ?? DEFAULT_BUSY_CPU_PERCENT, busyCommands: compiled.regexps };
    }
    return rules;
  };

  const once = async (): Promise<TickResult> => {
    const nowMs = deps.now();
    const sprite = deps.sprite();
    if (!seededFromStatus && sprite) {
      // After a restart, carry on from the activity the previous agent published.
      seededFromStatus = true;
      const previous = sprite.status?.lastActiveTime ? Date.parse(sprite.status.lastActiveTime) : NaN;
      if (!Number.isNaN(previous)) lastActiveMs = Math.max(lastActiveMs ?? previous, previous);
    }
    const idleTimeoutMinutes = sprite?.spec.idleTimeoutMinutes ?? IDLE_TIMEOUT_MINUTES.default;

    const refresh = nowMs - lastRefreshMs >= (deps.refreshMs ?? 0);
    const processes = deps.scanner.scan({ refresh });
    const seen = classify(processes, deps.classifyOptions);
    if (refresh) {
      lastRefreshMs = nowMs;
      disk = deps.disk?.();
      const readings = await deps.cpu.sample(seen.candidates);
      lastReadings = readings;
      cpuWindow = updateCpuWindow(cpuWindow, readings.percent, new Map(seen.candidates.map((p) => [p.pid, p.startTimeMs])), nowMs, deps.cpuWindowMs);
    }
    const passwd = seen.mainInit ? join(deps.procRoot, String(seen.mainInit.pid), "root", "etc", "passwd") : "/etc/passwd";
    const userOf = userNames(passwd);

    const terminals: Terminal[] = [];
    for (const group of seen.terminals) {
      const times = terminalTimes(group.pids, group.ttyNr, deps.procRoot);
      const path = times ? terminalPath(times.fdPath) : undefined;
      const raw = times ? Math.max(times.atimeMs, times.mtimeMs) : undefined;
      terminals.push({
        key: group.key,
        ttyNr: group.ttyNr,
        tty: path?.startsWith("/dev/") ? path.slice(5) : ttyName(group.ttyNr),
        user: userOf(group.leader.uid),
        command: group.foreground.cmdline,
        pid: group.leader.pid,
        startTimeMs: group.leader.startTimeMs,
        ...(raw !== undefined ? { lastActivityMs: activityExcludingOwnWrite(raw, ownWrites.get(group.key)) } : {}),
        ...(times ? { fdPath: times.fdPath } : {}),
      });
    }
    for (const key of ownWrites.keys()) if (!seen.terminals.some((t) => t.key === key)) ownWrites.delete(key);

    const busy = busyProcesses(
      seen.candidates,
      (pid) => sustainedCpu(cpuWindow.get(pid), nowMs, deps.cpuWindowMs),
      rulesFor(sprite),
      userOf,
      (pid) => wasBusy.has(pid),
    );
    wasBusy = new Set(busy.map((b) => b.pid));
    const keepAwake = deps.keepAwake();
    const keepAwakeUntilMs = "untilMs" in keepAwake ? keepAwake.untilMs : undefined;
    const inForce = keepAwakeUntilMs !== undefined && keepAwakeUntilMs > nowMs;
    if (keepAwakeInForce && !inForce) log.info("Keep-alive expired", { until: keepAwakeUntilMs ? new Date(keepAwakeUntilMs).toISOString() : undefined });
    keepAwakeInForce = inForce;

    const verdict = aggregate({
      nowMs,
      agentStartMs: deps.agentStartMs,
      idleTimeoutMinutes,
      terminals,
      execs: seen.execs.map((p) => ({ user: userOf(p.uid), command: p.cmdline, pid: p.pid, startTimeMs: p.startTimeMs })),
      busy,
      ...(keepAwakeUntilMs !== undefined ? { keepAwakeUntilMs } : {}),
      cpuPercent: lastReadings.totalPercent,
      processCount: seen.candidates.length,
      ...(lastActiveMs !== undefined ? { previousLastActiveMs: lastActiveMs } : {}),
      ...(wakeRequested(sprite) !== undefined ? { wakeRequestedMs: wakeRequested(sprite)! } : {}),
      ...(seen.mainInit ? { mainStartMs: seen.mainInit.startTimeMs } : {}),
      ...(disk ? { disk } : {}),
    });
    lastActiveMs = verdict.lastActiveMs;

    const specKeepAwake = sprite?.spec.keepAwakeUntil ? Date.parse(sprite.spec.keepAwakeUntil) : NaN;
    const keepUntilMs = Math.max(keepAwakeUntilMs ?? 0, Number.isNaN(specKeepAwake) ? 0 : specKeepAwake);
    const activeTerminals = verdict.report.sessions?.filter((x) => x.kind === "terminal" && x.active) ?? [];
    const statusHibernatesAt = sprite?.status?.hibernatesAt ? Date.parse(sprite.status.hibernatesAt) : NaN;
    const hibernatesAtMs = expectedHibernation({
      ...(Number.isNaN(statusHibernatesAt) ? {} : { hibernatesAtMs: statusHibernatesAt }),
      activeTerminals: activeTerminals.length,
      unknownTerminal: terminals.some((t) => t.lastActivityMs === undefined),
      execs: seen.execs.length,
      busy: busy.length,
      ...(verdict.lastActiveMs !== undefined ? { lastActiveMs: verdict.lastActiveMs } : {}),
      ...(keepUntilMs > 0 ? { keepAwakeUntilMs: keepUntilMs } : {}),
      idleTimeoutMinutes,
    });
    warnTerminals("hibernation", hibernatesAtMs, nowMs, idleTimeoutMinutes, terminals);
    const restartsAtMs = sprite?.status?.restartsAt ? Date.parse(sprite.status.restartsAt) : NaN;
    warnTerminals("restart", Number.isNaN(restartsAtMs) ? undefined : restartsAtMs, nowMs, idleTimeoutMinutes, terminals);

    const reason = publishReason(publishState, verdict, nowMs, deps.heartbeatMs);
    if (reason === undefined || nowMs < retryAtMs) return { verdict };
    try {
      await deps.publish(verdict);
    } catch (error) {
      failures += 1;
      const delay = Math.min(MAX_RETRY_MS, 1000 * 2 ** (failures - 1));
      retryAtMs = nowMs + delay;
      log.warn("Failed to publish activity; will retry", { error, retryInMs: delay, failures });
      return { verdict };
    }
    if (failures > 0) log.info("Published activity again after failures", { failures });
    failures = 0;
    retryAtMs = 0;
    const changed = publishState.key !== decisionKey(verdict);
    publishState = { key: decisionKey(verdict), lastPublishMs: nowMs };
    (changed ? log.info : log.debug)("Published activity", {
      reason,
      activeSessions: verdict.activeSessions,
      busy: verdict.report.busyProcesses?.map((b) => b.pid),
      keepAwakeUntil: verdict.report.keepAwakeUntil,
    });
    return { verdict, published: reason };
  };

  const warnTerminals = (kind: WarningKind, atMs: number | undefined, nowMs: number, idleTimeoutMinutes: number, terminals: Terminal[]) => {
    if (!warningDue(atMs, nowMs, idleTimeoutMinutes, warnedFor[kind]) || atMs === undefined) return;
    warnedFor[kind] = atMs;
    const text = kind === "restart" ? restartWarningText(atMs, nowMs) : warningText(atMs, nowMs);
    for (const t of terminals) {
      if (!t.fdPath) continue;
      try {
        const after = writeToTerminal(t.fdPath, t.ttyNr, text);
        if (after) ownWrites.set(t.key, { beforeMs: t.lastActivityMs ?? nowMs, afterMs: Math.max(after.atimeMs, after.mtimeMs) });
        log.info(`Warned terminal of ${kind}`, { tty: t.tty, pid: t.pid, at: new Date(atMs).toISOString() });
      } catch (error) {
        log.warn("Failed to warn terminal", { tty: t.tty, pid: t.pid, error });
      }
    }
  };

  return {
    async tick() {
      if (running) {
        again = true;
        return running;
      }
      try {
        running = once();
        let result = await running;
        while (again) {
          again = false;
          running = once();
          result = await running;
        }
        return result;
      } finally {
        running = undefined;
      }
    },
  };
}
