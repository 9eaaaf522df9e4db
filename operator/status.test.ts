// The operator's status fields: Ready condition, diffing into merge patches, recorded times.
import { describe, expect, it } from "vitest";
import type { SpriteStatus } from "./api/index.js";
import { desiredOperatorStatus, readyCondition, statusPatch, type StatusInput } from "./status.js";

const NOW = new Date("2026-01-01T12:00:00Z");
const input = (extra: Partial<StatusInput> = {}): StatusInput => ({
  current: {},
  generation: 3,
  phase: "Active",
  reason: "IdleTimeoutPending",
  message: "Idle.",
  replicas: 1,
  podName: "one-0",
  pod: { exists: true, ready: true },
  activityFresh: { status: "True", reason: "AgentReporting", message: "ok" },
  ...extra,
});

describe("readyCondition", () => {
  it.each([
    { name: "a Ready pod is Ready", in: input(), want: ["True", "PodReady"] },
    { name: "hibernating is not Ready", in: input({ replicas: 0 }), want: ["False", "Hibernated"] },
    { name: "a starting pod says so", in: input({ pod: { exists: false, ready: false } }), want: ["False", "PodStarting"] },
    {
      name: "a pod that cannot pull its image is failing",
      in: input({ pod: { exists: true, ready: false, failing: { reason: "ImagePullBackOff", message: "no such image" } } }),
      want: ["False", "PodFailing"],
    },
    {
      name: "a pod whose node is not ready says so as its own reason",
      in: input({ pod: { exists: true, ready: false, failing: { reason: "NodeNotReady", message: "its home volume lives on node b, which is not ready" } } }),
      want: ["False", "NodeNotReady"],
    },
    { name: "deletion wins", in: input({ terminating: true }), want: ["False", "Terminating"] },
  ])("$name", ({ in: i, want }) => {
    const c = readyCondition(i);
    expect([c.status, c.reason]).toEqual(want);
  });
});

describe("statusPatch", () => {
  it("is undefined when only agent fields changed: an agent report costs no operator write", () => {
    const desired = desiredOperatorStatus(input({ hibernatesAt: new Date("2026-01-01T12:10:00Z") }), NOW);
    const current: SpriteStatus = { ...desired, activeSessions: 0, lastActiveTime: "2026-01-01T11:00:00Z", activity: { reportTime: "2026-01-01T11:59:00Z" } };
    // The API server returns keys sorted; order must not matter.
    current.conditions = current.conditions!.map((c) => Object.fromEntries(Object.entries(c).sort()) as typeof c);
    expect(statusPatch(current, desiredOperatorStatus(input({ current, hibernatesAt: new Date("2026-01-01T12:10:00Z") }), NOW))).toBeUndefined();
  });

  it("holds only changed fields, and null for ones to remove", () => {
    const current = desiredOperatorStatus(input({ hibernatesAt: new Date("2026-01-01T12:10:00Z") }), NOW);
    const desired = desiredOperatorStatus(input({ current, reason: "SessionActive", message: "Busy." }), NOW);
    expect(statusPatch(current, desired)).toEqual({ reason: "SessionActive", message: "Busy.", hibernatesAt: null });
  });

  it("writes observedGeneration on every condition and keeps transition times", () => {
    const first = desiredOperatorStatus(input({ generation: 1, pod: { exists: false, ready: false }, phase: "Starting" }), NOW);
    const later = new Date("2026-01-01T12:05:00Z");
    const second = desiredOperatorStatus(input({ current: first, generation: 2 }), later);
    expect(second.conditions).toEqual([
      { type: "Ready", status: "True", reason: "PodReady", message: "The pod is up.", observedGeneration: 2, lastTransitionTime: "2026-01-01T12:05:00Z" },
      { type: "ActivityFresh", status: "True", reason: "AgentReporting", message: "ok", observedGeneration: 2, lastTransitionTime: "2026-01-01T12:00:00Z" },
    ]);
    expect(second.observedGeneration).toBe(2);
  });

  it("records the wake request it acted on", () => {
    expect(desiredOperatorStatus(input({ wakeRequestedAt: "2026-01-01T11:59:00.000Z" }), NOW).observedWakeRequestedAt).toBe("2026-01-01T11:59:00.000Z");
  });

  it("drops podName while hibernating and keeps recorded wake/hibernate times", () => {
    const s = desiredOperatorStatus(
      input({ replicas: 0, phase: "Hibernating", current: { wokeAt: "2026-01-01T10:00:00.000Z" }, hibernatedAt: "2026-01-01T12:00:00.000Z" }),
      NOW,
    );
    expect(s.podName).toBeUndefined();
    expect([s.wokeAt, s.hibernatedAt]).toEqual(["2026-01-01T10:00:00.000Z", "2026-01-01T12:00:00.000Z"]);
  });
});
