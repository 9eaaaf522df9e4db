// The checks that hold an awake Sprite awake: one case per reason, each check alone, then their order.
import { describe, expect, it } from "vitest";
import type { SpriteStatus } from "../api/index.js";
import { AWAKE_CHECKS, busyProcesses, chain, idleCountdown, keepAlive, networkMoving, sessionsAndExec, type Check, type Evidence } from "./decide-checks.js";

const NOW = Date.parse("2026-01-01T12:00:00.000Z");
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

const activity = (extra: Omit<NonNullable<SpriteStatus["activity"]>, "reportTime"> = {}) => ({ reportTime: iso(NOW - 30_000), ...extra });

/** Idle for 17 of its 30 minutes, nothing in its report: the evidence each case adds to. */
const evidence = (status: SpriteStatus = {}, more: Partial<Evidence> = {}): Evidence => ({
  spec: { image: "debian" },
  status: { activity: activity(), ...status },
  nowMs: NOW,
  idleTimeoutMs: 30 * MIN,
  idleSince: { atMs: NOW - 17 * MIN, cause: "data last moved on the network" },
  idleDeadlineMs: NOW + 13 * MIN,
  ...more,
});
const network = (active: boolean, movedAgoMs: number) => ({ activity: activity({ network: { active, bytes: 152_000, windowSeconds: 300, lastMovedTime: iso(NOW - movedAgoMs) } }) });

describe("each check, alone", () => {
  const cases: { name: string; check: Check; holds: Evidence; passes: Evidence; reason: string; lookAgainAtMs?: number }[] = [
    {
      name: "an active terminal session: SessionActive",
      check: sessionsAndExec,
      holds: evidence({ activeSessions: 1, activity: activity({ sessions: [{ kind: "terminal", command: "bash", pid: 7, active: true }] }) }),
      passes: evidence({ activeSessions: 0, activity: activity({ sessions: [{ kind: "terminal", command: "bash", pid: 7, active: false }] }) }),
      reason: "SessionActive",
    },
    {
      name: "only commands through exec: ExecRunning",
      check: sessionsAndExec,
      holds: evidence({ activeSessions: 1, activity: activity({ sessions: [{ kind: "exec", command: "make", pid: 9, active: true }] }) }),
      passes: evidence(),
      reason: "ExecRunning",
    },
    {
      name: "a busy process: ProcessBusy",
      check: busyProcesses,
      holds: evidence({ activity: activity({ busyProcesses: [{ pid: 3, command: "make -j2", cpuPercent: 90, reason: "Cpu" }] }) }),
      passes: evidence({ activity: activity({ busyProcesses: [] }) }),
      reason: "ProcessBusy",
    },
    {
      name: "data moving now: NetworkActive; data that moved 17 minutes ago is not",
      check: networkMoving,
      holds: evidence(network(true, 2000)),
      passes: evidence(network(false, 17 * MIN)),
      reason: "NetworkActive",
    },
    {
      name: "a keep-alive past the idle deadline: KeepAwake, looked at again when it ends",
      check: keepAlive,
      holds: evidence({}, { keepAwakeUntilMs: NOW + 60 * MIN }),
      // One that ends before the idle deadline sets nothing: the idle countdown does.
      passes: evidence({}, { keepAwakeUntilMs: NOW + 5 * MIN }),
      reason: "KeepAwake",
      lookAgainAtMs: NOW + 60 * MIN,
    },
    {
      name: "the idle timeout not yet run out: IdleTimeoutPending, looked at again at the deadline",
      check: idleCountdown,
      holds: evidence(),
      passes: evidence({}, { idleSince: { atMs: NOW - 31 * MIN, cause: "waking" }, idleDeadlineMs: NOW - MIN }),
      reason: "IdleTimeoutPending",
      lookAgainAtMs: NOW + 13 * MIN,
    },
  ];
  it.each(cases)("$name", ({ check, holds, passes, reason, lookAgainAtMs }) => {
    expect(check(holds)?.reason).toBe(reason);
    expect(check(holds)?.lookAgainAtMs).toBe(lookAgainAtMs);
    expect(check(passes)).toBeUndefined();
  });

  it("the idle countdown says since when and why, and when the Sprite hibernates", () => {
    expect(idleCountdown(evidence(network(false, 17 * MIN)))).toEqual({
      reason: "IdleTimeoutPending",
      message: `Idle since ${iso(NOW - 17 * MIN)} (data last moved on the network): hibernates when the idle timeout runs out.`,
      lookAgainAtMs: NOW + 13 * MIN,
      hibernatesAtMs: NOW + 13 * MIN,
      // Data moved within the timeout: not yet the evidence a change Puck makes on its own waits for.
      idle: false,
    });
    expect(idleCountdown(evidence())?.idle).toBe(true);
  });
});

describe("the chain", () => {
  it("asks in order: the first check that holds decides", () => {
    const everything = evidence(
      { activeSessions: 1, activity: { reportTime: iso(NOW), sessions: [{ kind: "terminal", command: "bash", pid: 7, active: true }], busyProcesses: [{ pid: 3, command: "make", cpuPercent: 90, reason: "Cpu" }], network: { active: true, bytes: 9_000_000, windowSeconds: 300 } } },
      { keepAwakeUntilMs: NOW + 60 * MIN },
    );
    expect(AWAKE_CHECKS.map((check) => check(everything)?.reason)).toEqual(["SessionActive", "ProcessBusy", "NetworkActive", "KeepAwake", "IdleTimeoutPending"]);
    expect(chain(AWAKE_CHECKS, everything)?.reason).toBe("SessionActive");
    expect(chain(AWAKE_CHECKS.slice(1), everything)?.reason).toBe("ProcessBusy");
  });
  it("holds nothing once nothing holds and the idle timeout has run out", () => {
    expect(chain(AWAKE_CHECKS, evidence(network(false, 40 * MIN), { idleDeadlineMs: NOW - 1 }))).toBeUndefined();
  });
});
