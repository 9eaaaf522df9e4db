import { describe, expect, it } from "vitest";
import { aggregate, decisionKey, publishReason, terminalActivityMs, type Observation, type TerminalSeen } from "./aggregate.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const MIN = 60_000;
const base: Observation = {
  nowMs: NOW,
  agentStartMs: NOW - 10 * MIN,
  idleTimeoutMinutes: 30,
  terminals: [],
  execs: [],
  busy: [],
  cpuPercent: 0,
  processCount: 3,
};
/** A terminal last typed in at `lastInputMs` (its output no later). */
const terminal = (lastInputMs: number | undefined, pid = 10): TerminalSeen => ({
  tty: `pts/${pid}`,
  user: "sprite",
  command: "bash",
  pid,
  startTimeMs: NOW - 60 * MIN,
  pids: [pid],
  ...(lastInputMs !== undefined ? { lastInputMs, lastOutputMs: lastInputMs } : {}),
});
/** A terminal nobody typed in for an hour that printed `outputAgoMs` ago: `watch date` in a detached tmux. */
const printing = (outputAgoMs: number, pid = 10): TerminalSeen => ({ ...terminal(NOW - 60 * MIN, pid), lastOutputMs: NOW - outputAgoMs });
const moving = { movingNow: true, lastMovedMs: NOW - 1000, windowMs: 5 * MIN, bytes: 3_400_000 };
const quietNetwork = { movingNow: false, lastMovedMs: NOW - 40 * MIN, windowMs: 5 * MIN, bytes: 20_000 };

describe("aggregate", () => {
  const cases: { name: string; obs: Partial<Observation>; activeSessions: number; lastActiveMs?: number; keepAwake?: string }[] = [
    { name: "nothing running means no active sessions and no activity", obs: {}, activeSessions: 0 },
    { name: "a terminal that saw input a minute ago is active", obs: { terminals: [terminal(NOW - MIN)] }, activeSessions: 1, lastActiveMs: NOW - MIN },
    { name: "a silent terminal stops counting after the idle timeout", obs: { terminals: [terminal(NOW - 31 * MIN)] }, activeSessions: 0, lastActiveMs: NOW - 31 * MIN },
    { name: "a terminal silent for exactly the idle timeout still counts", obs: { terminals: [terminal(NOW - 30 * MIN)] }, activeSessions: 1, lastActiveMs: NOW - 30 * MIN },
    { name: "a terminal whose times cannot be read counts as active: unknown is never idle", obs: { terminals: [terminal(undefined)] }, activeSessions: 1, lastActiveMs: NOW },
    {
      name: "a running exec counts as active however long it has been silent",
      obs: { execs: [{ user: "root", command: "make", pid: 20, startTimeMs: NOW - 120 * MIN }] },
      activeSessions: 1,
      lastActiveMs: NOW,
    },
    {
      name: "a busy process is activity but not a session",
      obs: { busy: [{ pid: 30, user: "root", command: "cc", cpuPercent: 90, reason: "Cpu" }] },
      activeSessions: 0,
      lastActiveMs: NOW,
    },
    { name: "the last activity never goes back in time", obs: { terminals: [terminal(NOW - 40 * MIN)], previousLastActiveMs: NOW - 5 * MIN }, activeSessions: 0, lastActiveMs: NOW - 5 * MIN },
    { name: "a connect (a wake request) is activity even when its command was too short to be seen", obs: { previousLastActiveMs: NOW - 17 * MIN, wakeRequestedMs: NOW - 2000 }, activeSessions: 0, lastActiveMs: NOW - 2000 },
    { name: "a wake request stamped by a clock ahead of ours counts as now, not later", obs: { wakeRequestedMs: NOW + 5000 }, activeSessions: 0, lastActiveMs: NOW },
    { name: "an old wake request does not move the last activity back", obs: { previousLastActiveMs: NOW - 5 * MIN, wakeRequestedMs: NOW - 60 * MIN }, activeSessions: 0, lastActiveMs: NOW - 5 * MIN },
    { name: "a keep-alive in the future is reported", obs: { keepAwakeUntilMs: NOW + 60 * MIN }, activeSessions: 0, keepAwake: "2026-01-01T13:00:00.000Z" },
    { name: "an expired keep-alive is not reported", obs: { keepAwakeUntilMs: NOW - 1 }, activeSessions: 0 },
    {
      name: "active and silent terminals together count only the active ones",
      obs: { terminals: [terminal(NOW - 45 * MIN, 1), terminal(NOW - 2 * MIN, 2), terminal(NOW - 10 * MIN, 3)] },
      activeSessions: 2,
      lastActiveMs: NOW - 2 * MIN,
    },
  ];
  const watching: typeof cases = [
    { name: "output alone is not activity: a `watch date` nobody typed in for an hour is idle", obs: { terminals: [printing(2000)] }, activeSessions: 0, lastActiveMs: NOW - 60 * MIN },
    {
      name: "output counts while one of the terminal's processes is busy (a build that prints and burns CPU)",
      obs: { terminals: [{ ...printing(2000, 10), pids: [10, 11] }], busy: [{ pid: 11, user: "sprite", command: "cc", cpuPercent: 95, reason: "Cpu" }] },
      activeSessions: 1,
      lastActiveMs: NOW,
    },
    { name: "output counts while data moves on the network (a download printing its progress)", obs: { terminals: [printing(2000)], network: moving }, activeSessions: 1, lastActiveMs: NOW - 1000 },
    { name: "output does not count once the network is quiet", obs: { terminals: [printing(2000)], network: quietNetwork }, activeSessions: 0, lastActiveMs: NOW - 40 * MIN },
    { name: "a busy process elsewhere does not make a watching terminal active", obs: { terminals: [printing(2000, 10)], busy: [{ pid: 99, user: "sprite", command: "cc", cpuPercent: 95, reason: "Cpu" }] }, activeSessions: 0, lastActiveMs: NOW },
    { name: "data moved on the network within the idle timeout is activity", obs: { network: moving }, activeSessions: 0, lastActiveMs: NOW - 1000 },
  ];
  for (const c of [...cases, ...watching]) {
    it(c.name, () => {
      const v = aggregate({ ...base, ...c.obs });
      expect(v.activeSessions).toBe(c.activeSessions);
      expect(v.lastActiveMs).toBe(c.lastActiveMs);
      expect(v.report.keepAwakeUntil).toBe(c.keepAwake);
      expect(v.report.reportTime).toBe("2026-01-01T12:00:00.000Z");
    });
  }

  it("lists at most 16 sessions, active ones first, but counts them all", () => {
    const terminals = Array.from({ length: 20 }, (_, i) => terminal(NOW - (i < 18 ? 50 : 1) * MIN, i + 1));
    const v = aggregate({ ...base, terminals });
    expect(v.report.sessions).toHaveLength(16);
    expect(v.activeSessions).toBe(2);
    expect(v.report.sessions?.slice(0, 2).map((s) => s.pid)).toEqual([19, 20]);
  });
});

describe("terminalActivityMs", () => {
  it("takes the input time, and the output time only while the terminal's work works", () => {
    const t: TerminalSeen = { ...terminal(NOW - 10 * MIN), lastOutputMs: NOW - MIN };
    expect(terminalActivityMs(t, new Set(), false)).toBe(NOW - 10 * MIN);
    expect(terminalActivityMs(t, new Set([10]), false)).toBe(NOW - MIN);
    expect(terminalActivityMs(t, new Set(), true)).toBe(NOW - MIN);
    expect(terminalActivityMs(terminal(undefined), new Set(), true)).toBeUndefined();
  });
});

describe("the network report", () => {
  it("says how much moved, and is active (keeps the Sprite awake) while data moves now", () => {
    expect(aggregate({ ...base, network: moving }).report.network).toEqual({ windowSeconds: 300, bytes: 3_400_000, lastMovedTime: "2026-01-01T11:59:59.000Z", active: true });
    expect(aggregate({ ...base, network: quietNetwork }).report.network).toMatchObject({ active: false, bytes: 20_000 });
    const never = aggregate({ ...base, network: { movingNow: false, windowMs: 5 * MIN, bytes: 900 } });
    expect(never.report.network).toEqual({ windowSeconds: 300, bytes: 900, active: false });
    expect(never.lastActiveMs).toBeUndefined();
  });

  it("data that moved within the idle timeout but not now is recency, not activity now: it dates lastActiveTime", () => {
    // Data last moved 17 minutes ago, on a 30-minute timeout: the idle countdown runs from then.
    const stopped = aggregate({ ...base, network: { movingNow: false, lastMovedMs: NOW - 17 * MIN, windowMs: 5 * MIN, bytes: 152_000 } });
    expect(stopped.report.network).toEqual({ windowSeconds: 300, bytes: 152_000, lastMovedTime: "2026-01-01T11:43:00.000Z", active: false });
    expect(stopped.lastActiveMs).toBe(NOW - 17 * MIN);
  });

  it("publishes at once when a session opens or ends, even one that keeps nothing awake", () => {
    const watching = aggregate({ ...base, terminals: [printing(2000)] });
    expect(watching.activeSessions).toBe(0);
    expect(decisionKey(watching)).not.toBe(decisionKey(aggregate(base)));
    expect(decisionKey(watching)).toBe(decisionKey(aggregate({ ...base, terminals: [printing(1000)] })));
  });

  it("publishes at once when data starts or stops moving", () => {
    expect(decisionKey(aggregate({ ...base, network: moving }))).not.toBe(decisionKey(aggregate({ ...base, network: quietNetwork })));
    expect(decisionKey(aggregate({ ...base, network: moving }))).toBe(decisionKey(aggregate({ ...base, network: { ...moving, bytes: 9_000_000 } })));
  });
});

describe("publishReason", () => {
  const quiet = aggregate(base);
  const talking = aggregate({ ...base, terminals: [terminal(NOW)] });
  const cases: { name: string; state: Parameters<typeof publishReason>[0]; findings: typeof quiet; nowMs: number; want: ReturnType<typeof publishReason> }[] = [
    { name: "the first report goes out at once", state: {}, findings: quiet, nowMs: NOW, want: "first" },
    { name: "a new active session goes out at once", state: { key: decisionKey(quiet), lastPublishMs: NOW - 1000 }, findings: talking, nowMs: NOW, want: "changed" },
    {
      name: "a new wake request (a connect) goes out at once, so LAST-ACTIVE shows it",
      state: { key: decisionKey(quiet), lastPublishMs: NOW - 1000 },
      findings: aggregate({ ...base, wakeRequestedMs: NOW - 100 }),
      nowMs: NOW,
      want: "changed",
    },
    { name: "nothing new within the heartbeat is not written", state: { key: decisionKey(quiet), lastPublishMs: NOW - 59_000 }, findings: quiet, nowMs: NOW, want: undefined },
    { name: "nothing new for a heartbeat is written to keep the report fresh", state: { key: decisionKey(quiet), lastPublishMs: NOW - 60_000 }, findings: quiet, nowMs: NOW, want: "heartbeat" },
    {
      name: "a changed CPU figure alone is not a change",
      state: { key: decisionKey(quiet), lastPublishMs: NOW - 1000 },
      findings: aggregate({ ...base, cpuPercent: 55 }),
      nowMs: NOW,
      want: undefined,
    },
    {
      name: "a keep-alive set is a change",
      state: { key: decisionKey(quiet), lastPublishMs: NOW - 1000 },
      findings: aggregate({ ...base, keepAwakeUntilMs: NOW + MIN }),
      nowMs: NOW,
      want: "changed",
    },
    {
      name: "another busy process while one already was is not a change: compilers come and go every second",
      state: { key: decisionKey(aggregate({ ...base, busy: [{ pid: 4, command: "cc1", cpuPercent: 90, reason: "Cpu" }] })), lastPublishMs: NOW - 1000 },
      findings: aggregate({ ...base, busy: [{ pid: 5, command: "cc1", cpuPercent: 90, reason: "Cpu" }] }),
      nowMs: NOW,
      want: undefined,
    },
    {
      name: "more bytes on the disk alone are not a change: they go out with the heartbeat",
      state: { key: decisionKey(aggregate({ ...base, disk: { usedBytes: 10, totalBytes: 100, availableBytes: 90 } })), lastPublishMs: NOW - 1000 },
      findings: aggregate({ ...base, disk: { usedBytes: 50, totalBytes: 100, availableBytes: 50 } }),
      nowMs: NOW,
      want: undefined,
    },
    {
      name: "the disk passing 90 % is a change: the operator warns on it",
      state: { key: decisionKey(aggregate({ ...base, disk: { usedBytes: 50, totalBytes: 100, availableBytes: 50 } })), lastPublishMs: NOW - 1000 },
      findings: aggregate({ ...base, disk: { usedBytes: 91, totalBytes: 100, availableBytes: 9 } }),
      nowMs: NOW,
      want: "changed",
    },
    {
      name: "a first busy process is a change",
      state: { key: decisionKey(quiet), lastPublishMs: NOW - 1000 },
      findings: aggregate({ ...base, busy: [{ pid: 5, command: "make", cpuPercent: 50, reason: "Cpu" }] }),
      nowMs: NOW,
      want: "changed",
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(publishReason(c.state, c.findings, c.nowMs, 60_000)).toBe(c.want));
  }
});
