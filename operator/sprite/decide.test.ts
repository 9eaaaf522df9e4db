// The hibernate/wake decision rules, one named case per rule.
import { describe, expect, it } from "vitest";
import type { SpriteSpec, SpriteStatus } from "../api/index.js";
import { decide, type Observed } from "./decide.js";

const NOW = new Date("2026-01-01T12:00:00.000Z");
const at = (offsetSeconds: number) => new Date(NOW.getTime() + offsetSeconds * 1000).toISOString();
const config = { staleAfterMs: 150_000, idleTimeoutScale: 1 };
const spec: SpriteSpec = { image: "debian", idleTimeoutMinutes: 10 };
const report = (offsetSeconds: number, extra: Partial<NonNullable<SpriteStatus["activity"]>> = {}) => ({
  reportTime: at(offsetSeconds),
  ...extra,
});
/** Awake since 30 minutes ago, idle since 20 minutes ago, with a fresh empty report. */
const idleStatus: SpriteStatus = { wokeAt: at(-1800), lastActiveTime: at(-1200), activeSessions: 0, activity: report(-30) };

interface Case {
  name: string;
  spec?: Partial<SpriteSpec>;
  status: SpriteStatus;
  podReady?: boolean;
  scale?: number;
  want: { replicas: 0 | 1; reason: string; hibernate?: boolean; wake?: boolean; phase?: string; recheckAt?: string; hibernatesAt?: string; fresh?: string };
}

const cases: Case[] = [
  { name: "a new Sprite starts awake and waits for its first report", status: {}, want: { replicas: 1, reason: "ActivityUnknown", wake: true, phase: "Starting", fresh: "AwaitingFirstReport" } },
  { name: "a fresh idle report past the deadline hibernates", status: idleStatus, want: { replicas: 0, reason: "Idle", hibernate: true, phase: "Hibernating" } },
  {
    name: "the deadline counts from the last activity, not from waking",
    status: { ...idleStatus, lastActiveTime: at(-300) },
    podReady: true,
    want: { replicas: 1, reason: "IdleTimeoutPending", phase: "Active", hibernatesAt: at(300), recheckAt: at(120), fresh: "AgentReporting" },
  },
  {
    name: "the recheck is at the deadline when the report stays fresh past it",
    status: { ...idleStatus, lastActiveTime: at(-590), activity: report(-5) },
    want: { replicas: 1, reason: "IdleTimeoutPending", hibernatesAt: at(10), recheckAt: at(10) },
  },
  {
    name: "a stale report never hibernates: unknown is never idle",
    status: { ...idleStatus, activity: report(-151) },
    want: { replicas: 1, reason: "ActivityUnknown", fresh: "AgentNotReporting" },
  },
  {
    name: "a report from before the last wake is not evidence",
    status: { ...idleStatus, wokeAt: at(-1000), lastActiveTime: undefined, activity: report(-1001) },
    spec: { idleTimeoutMinutes: 1 },
    want: { replicas: 1, reason: "ActivityUnknown", fresh: "AwaitingFirstReport" },
  },
  {
    name: "an active terminal session keeps it awake",
    status: { ...idleStatus, activeSessions: 1, activity: report(-30, { sessions: [{ kind: "terminal", command: "bash", pid: 7, active: true }] }) },
    want: { replicas: 1, reason: "SessionActive", recheckAt: at(120) },
  },
  {
    name: "a running exec with no terminal is reported as ExecRunning",
    status: { ...idleStatus, activeSessions: 1, activity: report(-30, { sessions: [{ kind: "exec", command: "make", pid: 9, active: true }] }) },
    want: { replicas: 1, reason: "ExecRunning" },
  },
  {
    name: "a busy process keeps it awake",
    status: { ...idleStatus, activity: report(-30, { busyProcesses: [{ pid: 3, command: "make -j2", cpuPercent: 90, reason: "Cpu" }] }) },
    want: { replicas: 1, reason: "ProcessBusy" },
  },
  {
    name: "data moving on the network (a forward carrying data, a download) keeps it awake",
    status: { ...idleStatus, activity: report(-30, { network: { active: true, bytes: 3_400_000, windowSeconds: 300, lastMovedTime: at(-40) } }) },
    want: { replicas: 1, reason: "NetworkActive", recheckAt: at(120) },
  },
  {
    name: "a network that moved nothing within the idle timeout (an idle open forward) does not",
    status: { ...idleStatus, activity: report(-30, { network: { active: false, bytes: 12_000, windowSeconds: 300 } }) },
    want: { replicas: 0, reason: "Idle", hibernate: true },
  },
  {
    name: "data that moved within the idle timeout but not now is recency: the idle countdown runs from it",
    // The agent counts the time data last moved in lastActiveTime, as it counts a terminal's last input.
    spec: { idleTimeoutMinutes: 30 },
    status: { ...idleStatus, lastActiveTime: at(-17 * 60), activity: report(-30, { network: { active: false, bytes: 152_000, windowSeconds: 300, lastMovedTime: at(-17 * 60) } }) },
    want: { replicas: 1, reason: "IdleTimeoutPending", hibernatesAt: at(13 * 60), recheckAt: at(120) },
  },
  {
    name: "after data moved, a keep-alive that runs longer sets the deadline, and names the reason",
    spec: { idleTimeoutMinutes: 30, keepAwakeUntil: at(3600) },
    status: { ...idleStatus, lastActiveTime: at(-17 * 60), activity: report(-30, { network: { active: false, bytes: 152_000, windowSeconds: 300, lastMovedTime: at(-17 * 60) } }) },
    want: { replicas: 1, reason: "KeepAwake", recheckAt: at(120) },
  },
  {
    name: "spec.keepAwakeUntil in the future keeps it awake, without a hibernatesAt",
    spec: { keepAwakeUntil: at(3600) },
    status: idleStatus,
    want: { replicas: 1, reason: "KeepAwake", recheckAt: at(120) },
  },
  {
    name: "a keep-alive from inside the Sprite keeps it awake",
    status: { ...idleStatus, activity: report(-30, { keepAwakeUntil: at(60) }) },
    want: { replicas: 1, reason: "KeepAwake", recheckAt: at(60) },
  },
  {
    name: "an expired keep-alive no longer holds it",
    spec: { keepAwakeUntil: at(-1) },
    status: idleStatus,
    want: { replicas: 0, reason: "Idle", hibernate: true },
  },
  {
    name: "a wake request counts as activity",
    spec: { wakeRequestedAt: at(-60) },
    status: idleStatus,
    want: { replicas: 1, reason: "IdleTimeoutPending", hibernatesAt: at(540) },
  },
  {
    name: "a hibernate request hibernates a busy Sprite",
    spec: { hibernateRequestedAt: at(-1) },
    status: { ...idleStatus, activeSessions: 2 },
    want: { replicas: 0, reason: "HibernateRequested", hibernate: true },
  },
  {
    name: "a wake request newer than the hibernate request undoes it",
    spec: { hibernateRequestedAt: at(-10), wakeRequestedAt: at(-5) },
    status: { ...idleStatus, activeSessions: 1 },
    want: { replicas: 1, reason: "SessionActive" },
  },
  {
    name: "hibernated stays asleep without a new wake request",
    spec: { wakeRequestedAt: at(-100) },
    status: { wokeAt: at(-200), hibernatedAt: at(-50), observedWakeRequestedAt: at(-100) },
    want: { replicas: 0, reason: "Idle", phase: "Hibernating", fresh: "Hibernated" },
  },
  {
    name: "hibernated on request says so while asleep",
    spec: { hibernateRequestedAt: at(-60) },
    status: { wokeAt: at(-200), hibernatedAt: at(-50) },
    want: { replicas: 0, reason: "HibernateRequested" },
  },
  {
    name: "a first wake request wakes it",
    spec: { wakeRequestedAt: at(-1) },
    status: { wokeAt: at(-200), hibernatedAt: at(-50) },
    want: { replicas: 1, reason: "WakeRequested", wake: true, phase: "Starting" },
  },
  {
    name: "a wake stamped before the hibernation but arriving after it wakes, where none was seen before",
    spec: { wakeRequestedAt: at(-1) },
    status: { wokeAt: at(-200), hibernatedAt: at(-0.5) },
    want: { replicas: 1, reason: "WakeRequested", wake: true },
  },
  {
    name: "a wake stamped before the hibernation but arriving after it still wakes",
    spec: { wakeRequestedAt: at(-60) },
    status: { wokeAt: at(-200), hibernatedAt: at(-50), observedWakeRequestedAt: at(-300) },
    want: { replicas: 1, reason: "WakeRequested", wake: true },
  },
  {
    name: "a wake request already acted on does not wake it again",
    spec: { wakeRequestedAt: at(-100) },
    status: { wokeAt: at(-200), hibernatedAt: at(-50), observedWakeRequestedAt: at(-100) },
    want: { replicas: 0, reason: "Idle" },
  },
  {
    name: "idle timeouts scale for tests",
    spec: { idleTimeoutMinutes: 1 },
    scale: 0.05,
    status: { wokeAt: at(-4), activity: report(-1) },
    want: { replicas: 0, reason: "Idle", hibernate: true },
  },
];

describe("decide", () => {
  it.each(cases)("$name", ({ spec: specPatch, status, podReady, scale, want }) => {
    const observed: Observed = { spec: { ...spec, ...specPatch }, status, podReady: podReady ?? false };
    const v = decide(observed, NOW, { ...config, idleTimeoutScale: scale ?? 1 });
    expect({ replicas: v.replicas, reason: v.reason }).toEqual({ replicas: want.replicas, reason: want.reason });
    expect(v.hibernate).toBe(want.hibernate ?? false);
    expect(v.wake).toBe(want.wake ?? false);
    if (want.phase) expect(v.phase).toBe(want.phase);
    if (want.recheckAt) expect(v.recheckAt?.toISOString()).toBe(want.recheckAt);
    if (want.fresh) expect(v.activityFresh.reason).toBe(want.fresh);
    expect(v.hibernatesAt?.toISOString()).toBe(want.hibernatesAt);
  });
});

describe("decide: the idle countdown says since when, and what set it", () => {
  const messageOf = (status: SpriteStatus, specPatch: Partial<SpriteSpec> = {}) => decide({ spec: { ...spec, idleTimeoutMinutes: 30, ...specPatch }, status, podReady: true }, NOW, config).message;
  const moved = (agoSeconds: number) => report(-30, { network: { active: false, bytes: 152_000, windowSeconds: 300, lastMovedTime: at(-agoSeconds) } });

  it.each([
    ["data that last moved on the network", { ...idleStatus, lastActiveTime: at(-1020), activity: moved(1020) }, {}, `Idle since ${at(-1020)} (data last moved on the network)`],
    ["a session that ended after the data moved", { ...idleStatus, lastActiveTime: at(-840), activity: moved(1020) }, {}, `Idle since ${at(-840)} (the last session, command or busy process the agent saw)`],
    ["a connect", idleStatus, { wakeRequestedAt: at(-60) }, `Idle since ${at(-60)} (a connect or wake request)`],
    ["waking", { ...idleStatus, wokeAt: at(-120), lastActiveTime: at(-1200) }, {}, `Idle since ${at(-120)} (waking)`],
  ])("%s", (_, status, specPatch, want) => {
    expect(messageOf(status, specPatch)).toBe(`${want}: hibernates when the idle timeout runs out.`);
  });
});

describe("decide: idle, the evidence a change Puck makes on its own waits for", () => {
  const idleOf = (status: SpriteStatus, specPatch: Partial<SpriteSpec> = {}) => decide({ spec: { ...spec, ...specPatch }, status, podReady: true }, NOW, config).idle;

  it("is a fresh report of no session, no busy process and no keep-alive", () => {
    expect(idleOf({ ...idleStatus, lastActiveTime: at(-300) })).toBe(true);
    expect(idleOf(idleStatus)).toBe(true);
  });
  it("is a countdown whose data last moved longer ago than the idle timeout", () => {
    expect(idleOf({ ...idleStatus, lastActiveTime: at(-300), activity: report(-30, { network: { active: false, bytes: 9_000, windowSeconds: 300, lastMovedTime: at(-601) } }) })).toBe(true);
  });

  it.each([
    ["an active session", { ...idleStatus, activeSessions: 1 }, {}],
    ["a busy process", { ...idleStatus, activity: report(-30, { busyProcesses: [{ pid: 3, command: "make", cpuPercent: 90, reason: "Cpu" as const }] }) }, {}],
    ["a keep-alive", idleStatus, { keepAwakeUntil: at(3600) }],
    ["a stale report (unknown is never idle)", { ...idleStatus, activity: report(-151) }, {}],
    ["no report since waking", { wokeAt: at(-10) }, {}],
    // A forward paused between page loads is still someone's: as before data moving now and data that moved recently were told apart.
    ["data moved on the network within the idle timeout", { ...idleStatus, lastActiveTime: at(-300), activity: report(-30, { network: { active: false, bytes: 9_000, windowSeconds: 300, lastMovedTime: at(-300) } }) }, {}],
  ])("is not %s", (_, status, specPatch) => {
    expect(idleOf(status, specPatch)).toBe(false);
  });
});
