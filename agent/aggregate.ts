// The pure heart of the agent: turns what the sources saw into the activity report and says when to publish it.
import { underDiskPressure, type ActivityReport, type BusyProcess, type DiskUsage, type NetworkActivity, type ServiceStatus, type SpriteSession } from "../operator/api/index.js";
import type { NetworkSeen } from "./network-activity.js";

export const MAX_SESSIONS = 16;

export interface TerminalSeen {
  tty: string;
  user: string;
  command: string;
  pid: number;
  startTimeMs: number;
  /**
   * Last input read from the terminal (its atime) and last output written to it (its mtime, the
   * agent's own warning left out); both undefined when the agent could not read them.
   */
  lastInputMs?: number;
  lastOutputMs?: number;
  /** The terminal's processes: output counts while one of them is busy. */
  pids: number[];
}

export interface ExecSeen {
  user: string;
  command: string;
  pid: number;
  startTimeMs: number;
}

export interface Observation {
  nowMs: number;
  agentStartMs: number;
  idleTimeoutMinutes: number;
  terminals: TerminalSeen[];
  execs: ExecSeen[];
  busy: BusyProcess[];
  /** A valid keep-alive from the keep-awake file, whether or not it has expired yet. */
  keepAwakeUntilMs?: number;
  cpuPercent: number;
  processCount: number;
  /** When the main container's keep-running process started; undefined when the agent sees none. */
  mainStartMs?: number;
  /** The last activity published before (from this agent, or the status it found at start). */
  previousLastActiveMs?: number;
  /**
   * The Sprite's spec.wakeRequestedAt: every `puck connect` (and wake) writes it, so a connect counts
   * as activity even when its command is over before a scan could see it.
   */
  wakeRequestedMs?: number;
  /** The home volume's filesystem, when it could be read. */
  disk?: DiskUsage;
  /** The services' state as the supervisor wrote it: reported, never activity by itself. */
  services?: ServiceStatus[];
  /** The network namespace's traffic; undefined where the agent reads none (a host run). */
  network?: NetworkSeen;
}

/**
 * What the agent found, as facts: the activity report and the figures published beside it. The
 * operator draws the conclusion (operator/sprite/decide.ts); nothing here says whether the Sprite sleeps.
 */
export interface Findings {
  report: ActivityReport;
  activeSessions: number;
  /** Latest activity seen, never earlier than the previous one; undefined if none was ever seen. */
  lastActiveMs?: number;
  /** The future keep-alive in force, if any. */
  keepAwakeUntilMs?: number;
  /** The wake request counted (at most now: a client's clock ahead of ours does not date the future). */
  wakeRequestedMs?: number;
  disk?: DiskUsage;
  services?: ServiceStatus[];
}

const iso = (ms: number) => new Date(ms).toISOString();
// Not localeCompare: ISO times sort as plain text, and ICU's collator would cost the agent memory.
const compareText = (a = "", b = "") => (a < b ? -1 : a > b ? 1 : 0);

/**
 * When a terminal was last used, as far as keeping the Sprite awake goes. Watching is not working:
 * input (someone typed) always counts; output alone counts only while the work behind it works —
 * one of the terminal's processes is busy (a build), or data moves on the network (a download
 * printing its progress). A `watch date` in a detached tmux only writes, so it lets the Sprite sleep.
 * Undefined when the terminal's times could not be read.
 */
export function terminalActivityMs(t: TerminalSeen, busyPids: ReadonlySet<number>, networkMoving: boolean): number | undefined {
  if (t.lastInputMs === undefined && t.lastOutputMs === undefined) return undefined;
  const working = networkMoving || t.pids.some((pid) => busyPids.has(pid));
  const output = working ? (t.lastOutputMs ?? -Infinity) : -Infinity;
  return Math.max(t.lastInputMs ?? -Infinity, output);
}

/**
 * The network's part of the report. `active` is data moving now (the moving window saw more than the
 * agent's own trickle): that, like a busy process, keeps the Sprite awake. Data that moved earlier is
 * recency, like a terminal's last input: lastMovedTime counts in lastActiveTime, and the idle timeout
 * runs from it.
 */
export function networkReport(network: NetworkSeen): NetworkActivity {
  return {
    windowSeconds: Math.round(network.windowMs / 1000),
    bytes: network.bytes,
    ...(network.lastMovedMs !== undefined ? { lastMovedTime: iso(network.lastMovedMs) } : {}),
    active: network.movingNow,
  };
}

export function aggregate(o: Observation): Findings {
  const idleMs = o.idleTimeoutMinutes * 60_000;
  const sessions: SpriteSession[] = [];
  const activity: number[] = [];
  if (o.previousLastActiveMs !== undefined) activity.push(o.previousLastActiveMs);
  const busyPids = new Set(o.busy.map((b) => b.pid));

  for (const t of o.terminals) {
    const lastActivityMs = terminalActivityMs(t, busyPids, o.network?.movingNow ?? false);
    // A terminal whose times cannot be read counts as active: unknown is never idle.
    const active = lastActivityMs === undefined || o.nowMs - lastActivityMs <= idleMs;
    if (lastActivityMs !== undefined) activity.push(Math.min(lastActivityMs, o.nowMs));
    else activity.push(o.nowMs);
    sessions.push({
      kind: "terminal",
      tty: t.tty,
      user: t.user,
      command: t.command,
      pid: t.pid,
      startTime: iso(t.startTimeMs),
      lastActivityTime: iso(lastActivityMs ?? o.nowMs),
      active,
    });
  }
  for (const e of o.execs) {
    // A command run through exec holds the Sprite awake for as long as it runs.
    activity.push(o.nowMs);
    sessions.push({
      kind: "exec",
      user: e.user,
      command: e.command,
      pid: e.pid,
      startTime: iso(e.startTimeMs),
      lastActivityTime: iso(o.nowMs),
      active: true,
    });
  }
  if (o.busy.length > 0) activity.push(o.nowMs);
  const network = o.network ? networkReport(o.network) : undefined;
  if (o.network?.lastMovedMs !== undefined) activity.push(Math.min(o.network.lastMovedMs, o.nowMs));
  const wakeRequestedMs = o.wakeRequestedMs === undefined ? undefined : Math.min(o.wakeRequestedMs, o.nowMs);
  if (wakeRequestedMs !== undefined) activity.push(wakeRequestedMs);

  const activeSessions = sessions.filter((s) => s.active).length;
  // Active sessions first, then the most recently active: the list is capped, the count is not.
  sessions.sort(
    (a, b) => Number(b.active) - Number(a.active) || compareText(b.lastActivityTime, a.lastActivityTime) || a.pid - b.pid,
  );
  const keepAwakeUntilMs = o.keepAwakeUntilMs !== undefined && o.keepAwakeUntilMs > o.nowMs ? o.keepAwakeUntilMs : undefined;
  const lastActiveMs = activity.length > 0 ? Math.max(...activity) : undefined;

  const report: ActivityReport = {
    reportTime: iso(o.nowMs),
    agentStartTime: iso(o.agentStartMs),
    ...(o.mainStartMs !== undefined ? { mainStartTime: iso(o.mainStartMs) } : {}),
    sessions: sessions.slice(0, MAX_SESSIONS),
    busyProcesses: o.busy,
    cpuPercent: Math.round(o.cpuPercent),
    processCount: o.processCount,
    ...(keepAwakeUntilMs !== undefined ? { keepAwakeUntil: iso(keepAwakeUntilMs) } : {}),
    ...(network ? { network } : {}),
  };
  return {
    report,
    activeSessions,
    ...(lastActiveMs !== undefined ? { lastActiveMs } : {}),
    ...(keepAwakeUntilMs !== undefined ? { keepAwakeUntilMs } : {}),
    ...(wakeRequestedMs !== undefined ? { wakeRequestedMs } : {}),
    ...(o.disk ? { disk: o.disk } : {}),
    ...(o.services ? { services: o.services } : {}),
  };
}

/**
 * What the operator acts on, and what a reader of the status must see at once: a change in it is
 * published at once. A new wake request is a connect, shown at once in lastActiveTime. For busy processes that is
 * whether there are any, not which: a `make -j2` starts and ends a compiler every second or so, and
 * publishing each would mean a write a second; the list itself is refreshed with the heartbeat.
 */
export function decisionKey(v: Findings): string {
  // The disk likewise: whether it is past the warning threshold, not its byte count.
  const disk = underDiskPressure(v.disk);
  return JSON.stringify({
    sessions: v.activeSessions,
    // A session opened or ended is news even when it keeps nothing awake (a `watch` left in tmux):
    // `puck top` and `describe` list it, and a heartbeat could come only after the Sprite slept.
    sessionPids: (v.report.sessions ?? []).map((x) => x.pid).sort((a, b) => a - b),
    busy: (v.report.busyProcesses?.length ?? 0) > 0,
    network: v.report.network?.active ?? false,
    keepAwake: v.keepAwakeUntilMs ?? null,
    wake: v.wakeRequestedMs ?? null,
    disk,
    // A service's state changing (running, failed...) is news for `puck describe`; its restart count is not.
    services: v.services?.map((s) => `${s.name}=${s.state}`) ?? [],
  });
}

export interface PublishState {
  /** decisionKey of the last report the API server accepted. */
  key?: string;
  lastPublishMs?: number;
}

/**
 * Publish at once when what the operator decides on changed; otherwise once per heartbeat, which
 * keeps the report fresh (the operator trusts reports younger than 150 s) at ≤ 1 write a minute.
 */
export function publishReason(
  state: PublishState,
  findings: Findings,
  nowMs: number,
  heartbeatMs: number,
): "first" | "changed" | "heartbeat" | undefined {
  if (state.key === undefined || state.lastPublishMs === undefined) return "first";
  if (state.key !== decisionKey(findings)) return "changed";
  if (nowMs - state.lastPublishMs >= heartbeatMs) return "heartbeat";
  return undefined;
}
