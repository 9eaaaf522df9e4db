// The operator's status fields: Ready condition, diffing into merge patches, recorded times.
import { describe, expect, it } from "vitest";
import type { SpriteStatus } from "../api/index.js";
import { TERMINATING } from "./decide.js";
import { desiredOperatorStatus, operatorStatusChanges, readyCondition, type StatusInput } from "./status.js";

const NOW = new Date("2026-01-01T12:00:00Z");
type Decided = StatusInput["decision"];
const input = (extra: Partial<Omit<StatusInput, "decision">> = {}, decision: Partial<Decided> = {}): StatusInput => ({
  current: {},
  generation: 3,
  decision: {
    phase: "Active",
    reason: "IdleTimeoutPending",
    message: "Idle.",
    replicas: 1,
    activityFresh: { status: "True", reason: "AgentReporting", message: "ok" },
    ...decision,
  },
  podName: "one-0",
  pod: { exists: true, ready: true },
  ...extra,
});

describe("readyCondition", () => {
  it.each([
    { name: "a Ready pod is Ready", in: input(), want: ["True", "PodReady"] },
    { name: "hibernating is not Ready", in: input({}, { replicas: 0 }), want: ["False", "Hibernated"] },
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
    {
      name: "a hibernating Sprite whose node is down says it cannot wake",
      in: input({ pod: { exists: false, ready: false, failing: { reason: "NodeNotReady", message: "its home volume lives on node b, which is not ready" } } }, { replicas: 0 }),
      want: ["False", "NodeNotReady"],
    },
    { name: "deletion wins", in: input({}, TERMINATING), want: ["False", "Terminating"] },
  ])("$name", ({ in: i, want }) => {
    const c = readyCondition(i);
    expect([c.status, c.reason]).toEqual(want);
  });

  it("names the node a hibernating Sprite waits for", () => {
    const failing = { reason: "NodeNotReady", message: "its home volume lives on node b, which is not ready" };
    expect(readyCondition(input({ pod: { exists: false, ready: false, failing } }, { replicas: 0 })).message).toBe(
      "The Sprite is hibernating and cannot wake until its node is back: its home volume lives on node b, which is not ready.",
    );
  });
});

describe("operatorStatusChanges", () => {
  it("is undefined when only agent fields changed: an agent report costs no operator write", () => {
    const desired = desiredOperatorStatus(input({}, { hibernatesAt: new Date("2026-01-01T12:10:00Z") }), NOW);
    const current: SpriteStatus = { ...desired, activeSessions: 0, lastActiveTime: "2026-01-01T11:00:00Z", activity: { reportTime: "2026-01-01T11:59:00Z" } };
    // The API server returns keys sorted; order must not matter.
    current.conditions = current.conditions!.map((c) => Object.fromEntries(Object.entries(c).sort()) as typeof c);
    expect(operatorStatusChanges(current, desiredOperatorStatus(input({ current }, { hibernatesAt: new Date("2026-01-01T12:10:00Z") }), NOW))).toBeUndefined();
  });

  it("holds only changed fields, and null for ones to remove", () => {
    const current = desiredOperatorStatus(input({}, { hibernatesAt: new Date("2026-01-01T12:10:00Z") }), NOW);
    const desired = desiredOperatorStatus(input({ current }, { reason: "SessionActive", message: "Busy." }), NOW);
    expect(operatorStatusChanges(current, desired)).toEqual({ reason: "SessionActive", message: "Busy.", hibernatesAt: null });
  });

  it("writes observedGeneration on every condition and keeps transition times", () => {
    const first = desiredOperatorStatus(input({ generation: 1, pod: { exists: false, ready: false } }, { phase: "Starting" }), NOW);
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
      input({ current: { wokeAt: "2026-01-01T10:00:00.000Z" }, hibernatedAt: "2026-01-01T12:00:00.000Z" }, { replicas: 0, phase: "Hibernating" }),
      NOW,
    );
    expect(s.podName).toBeUndefined();
    expect([s.wokeAt, s.hibernatedAt]).toEqual(["2026-01-01T10:00:00.000Z", "2026-01-01T12:00:00.000Z"]);
  });

  it("appends a note to the decision's message", () => {
    expect(desiredOperatorStatus(input({ note: "The home volume stays at 1Gi." }), NOW).message).toBe("Idle. The home volume stays at 1Gi.");
  });

  it("a Sprite being deleted drops its pod name and planned hibernation", () => {
    const s = desiredOperatorStatus(input({}, TERMINATING), NOW);
    expect([s.phase, s.reason, s.message, s.podName, s.hibernatesAt]).toEqual(["Terminating", "Terminating", "Deleting the Sprite.", undefined, undefined]);
  });
});

describe("UpdatePending and restartsAt", () => {
  const held = { action: "hold" as const, reason: "HeldWhileInUse", message: "Waits." };
  const scheduled = { action: "hold" as const, reason: "RestartScheduled", message: "At 12:05.", restartsAt: new Date("2026-01-01T12:05:00Z") };
  const pending = (s: ReturnType<typeof desiredOperatorStatus>) => s.conditions?.find((c) => c.type === "UpdatePending");

  it("is absent on a Sprite that never had an update waiting", () => {
    expect(pending(desiredOperatorStatus(input({ rollout: { action: "apply" } }), NOW))).toBeUndefined();
  });

  it("says why a held update waits, with no restart time for Puck's own change", () => {
    const s = desiredOperatorStatus(input({ rollout: held }), NOW);
    expect(pending(s)).toMatchObject({ status: "True", reason: "HeldWhileInUse", message: "Waits." });
    expect(s.restartsAt).toBeUndefined();
  });

  it("records the warned restart for the user's change, and clears both once applied", () => {
    const first = desiredOperatorStatus(input({ rollout: scheduled }), NOW);
    expect([pending(first)?.reason, first.restartsAt]).toEqual(["RestartScheduled", "2026-01-01T12:05:00.000Z"]);
    const applied = desiredOperatorStatus(input({ current: first, rollout: { action: "apply" } }), NOW);
    expect(pending(applied)).toMatchObject({ status: "False", reason: "UpToDate" });
    expect(operatorStatusChanges(first, applied)).toMatchObject({ restartsAt: null });
  });

  it("keeps the recorded restart time when the rollout is not known yet (a status written before the children)", () => {
    const first = desiredOperatorStatus(input({ rollout: scheduled }), NOW);
    expect(desiredOperatorStatus(input({ current: first }), NOW).restartsAt).toBe("2026-01-01T12:05:00.000Z");
  });
});
