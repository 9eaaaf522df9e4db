import { describe, expect, it } from "vitest";
import { aggregate, decisionKey, publishReason, type Observation } from "./aggregate.js";

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
const terminal = (lastActivityMs: number | undefined, pid = 10) => ({
  tty: `pts/${pid}`,
  user: "sprite",
  command: "bash",
  pid,
  startTimeMs: NOW - 60 * MIN,
  ...(lastActivityMs !== undefined ? { lastActivityMs } : {}),
});

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
  for (const c of cases) {
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

describe("publishReason", () => {
  const quiet = aggregate(base);
  const talking = aggregate({ ...base, terminals: [terminal(NOW)] });
  const cases: { name: string; state: Parameters<typeof publishReason>[0]; verdict: typeof quiet; nowMs: number; want: ReturnType<typeof publishReason> }[] = [
    { name: "the first report goes out at once", state: {}, verdict: quiet, nowMs: NOW, want: "first" },
    { name: "a new active session goes out at once", state: { key: decisionKey(quiet), lastPublishMs: NOW - 1000 }, verdict: talking, nowMs: NOW, want: "changed" },
    {
      name: "a new wake request (a connect) goes out at once, so LAST-ACTIVE shows it",
      state: { key: decisionKey(quiet), lastPublishMs: NOW - 1000 },
      verdict: aggregate({ ...base, wakeRequestedMs: NOW - 100 }),
      nowMs: NOW,
      want: "changed",
    },
    { name: "nothing new within the heartbeat is not written", state: { key: decisionKey(quiet), lastPublishMs: NOW - 59_000 }, verdict: quiet, nowMs: NOW, want: undefined },
    { name: "nothing new for a heartbeat is written to keep the report fresh", state: { key: decisionKey(quiet), lastPublishMs: NOW - 60_000 }, verdict: quiet, nowMs: NOW, want: "heartbeat" },
    {
      name: "a changed CPU figure alone is not a change",
      state: { key: decisionKey(quiet), lastPublishMs: NOW - 1000 },
      verdict: aggregate({ ...base, cpuPercent: 55 }),
      nowMs: NOW,
      want: undefined,
    },
    {
      name: "a keep-alive set is a change",
      state: { key: decisionKey(quiet), lastPublishMs: NOW - 1000 },
      verdict: aggregate({ ...base, keepAwakeUntilMs: NOW + MIN }),
      nowMs: NOW,
      want: "changed",
    },
    {
      name: "another busy process while one already was is not a change: compilers come and go every second",
      state: { key: decisionKey(aggregate({ ...base, busy: [{ pid: 4, command: "cc1", cpuPercent: 90, reason: "Cpu" }] })), lastPublishMs: NOW - 1000 },
      verdict: aggregate({ ...base, busy: [{ pid: 5, command: "cc1", cpuPercent: 90, reason: "Cpu" }] }),
      nowMs: NOW,
      want: undefined,
    },
    {
      name: "more bytes on the disk alone are not a change: they go out with the heartbeat",
      state: { key: decisionKey(aggregate({ ...base, disk: { usedBytes: 10, totalBytes: 100, availableBytes: 90 } })), lastPublishMs: NOW - 1000 },
      verdict: aggregate({ ...base, disk: { usedBytes: 50, totalBytes: 100, availableBytes: 50 } }),
      nowMs: NOW,
      want: undefined,
    },
    {
      name: "the disk passing 90 % is a change: the operator warns on it",
      state: { key: decisionKey(aggregate({ ...base, disk: { usedBytes: 50, totalBytes: 100, availableBytes: 50 } })), lastPublishMs: NOW - 1000 },
      verdict: aggregate({ ...base, disk: { usedBytes: 91, totalBytes: 100, availableBytes: 9 } }),
      nowMs: NOW,
      want: "changed",
    },
    {
      name: "a first busy process is a change",
      state: { key: decisionKey(quiet), lastPublishMs: NOW - 1000 },
      verdict: aggregate({ ...base, busy: [{ pid: 5, command: "make", cpuPercent: 50, reason: "Cpu" }] }),
      nowMs: NOW,
      want: "changed",
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(publishReason(c.state, c.verdict, c.nowMs, 60_000)).toBe(c.want));
  }
});
