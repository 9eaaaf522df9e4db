import { describe, expect, it } from "vitest";
import type { Condition, Sprite, SpriteStatus } from "../operator/api/index.js";
import { failureCause, failureHint, podEventNote, wakeVerdict } from "./wake-verdict.js";
import type { KubeEvent } from "./sprites.js";

const ready = (status: Condition["status"], reason: string, message?: string): Condition => ({
  type: "Ready", status, reason, lastTransitionTime: "2026-01-01T00:00:00Z", ...(message ? { message } : {}),
});
const sprite = (status: SpriteStatus, generation = 2, extra: Partial<Sprite["metadata"]> = {}): Sprite => ({
  apiVersion: "puck.sandwich.labs/v1alpha1", kind: "Sprite", metadata: { name: "dev", generation, ...extra }, spec: { image: "x" }, status,
});

describe("wakeVerdict", () => {
  it.each([
    ["an Active, Ready Sprite whose operator saw the request is ready", sprite({ phase: "Active", observedGeneration: 2, conditions: [ready("True", "PodReady")] }), { state: "ready" }],
    ["an Active Sprite is not ready until the operator saw the request (it may be about to hibernate)", sprite({ phase: "Active", observedGeneration: 1, conditions: [ready("True", "PodReady")] }), { state: "waiting", step: "waiting for the operator" }],
    ["Active without a True Ready condition is still starting", sprite({ phase: "Active", observedGeneration: 2, conditions: [ready("False", "PodStarting", "containers not ready")] }), { state: "waiting", step: "starting: containers not ready" }],
    ["a hibernated Sprite that saw the request is scaling up", sprite({ phase: "Hibernating", observedGeneration: 2 }), { state: "waiting", step: "scaling up" }],
    ["a starting pod without a message", sprite({ phase: "Starting", observedGeneration: 3, conditions: [ready("False", "PodStarting")] }), { state: "waiting", step: "starting the pod" }],
    ["PodFailing fails fast with its message", sprite({ phase: "Starting", observedGeneration: 2, conditions: [ready("False", "PodFailing", "ImagePullBackOff: nope:latest")] }), { state: "failed", reason: "PodFailing", message: "ImagePullBackOff: nope:latest" }],
    ["a stale PodFailing from before the request is not believed", sprite({ phase: "Starting", observedGeneration: 1, conditions: [ready("False", "PodFailing", "old")] }), { state: "waiting", step: "waiting for the operator" }],
    ["a Sprite being deleted fails", sprite({ phase: "Active" }, 2, { deletionTimestamp: "2026-01-01T00:00:00Z" }), { state: "failed", reason: "Terminating", message: "the Sprite is being deleted" }],
  ])("%s", (_name, input, expected) => {
    expect(wakeVerdict(input, 2)).toEqual(expected);
  });
});

describe("failureCause and failureHint", () => {
  const event = (type: string, reason: string, message: string): KubeEvent => ({ type, reason, message, metadata: {}, involvedObject: { kind: "Pod", name: "dev-0" } });
  it("the latest warning explains a failure", () => {
    expect(
      failureCause([
        event("Warning", "Failed", "old"),
        event("Normal", "Pulling", "x"),
        event("Warning", "Failed", "Failed to pull image \"nope\":\n not found"),
        event("Warning", "MissingClusterDNS", "kubelet does not have ClusterDNS IP configured"),
      ]),
    ).toBe(
      'Failed: Failed to pull image "nope": not found',
    );
  });
  it("the progress note is the latest pod event since the wake, shortened", () => {
    const at = (t: string, reason: string, message: string): KubeEvent => ({ ...event("Normal", reason, message), lastTimestamp: t });
    const since = Date.parse("2026-01-01T12:00:00.500Z");
    const events = [at("2026-01-01T11:00:00Z", "Pulled", "from an earlier wake"), at("2026-01-01T12:00:01Z", "Pulling", `Pulling image "${"x".repeat(80)}"`)];
    expect(podEventNote(events, since)).toMatch(/^Pulling: Pulling image "x+…$/);
    expect(podEventNote(events, since)).toHaveLength(70);
    expect(podEventNote(events.slice(0, 1), since)).toBeUndefined();
  });
  it("no warnings, no cause", () => expect(failureCause([event("Normal", "Scheduled", "ok")])).toBeUndefined());
  it.each([
    ["an image pull error points at the image", "ImagePullBackOff", /check the image/],
    ["an unschedulable pod points at capacity", "FailedScheduling: 0/1 nodes are available: 1 Insufficient cpu", /no node can run it/],
    ["a crash loop points at the container", "CrashLoopBackOff", /keeps failing/],
    ["anything else points at describe", "mystery", /puck describe dev/],
    [
      "a Pod Security refusal names the namespace label, though its text says error",
      'FailedCreate: pods "dev-0" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities',
      /pod-security\.kubernetes\.io\/enforce=privileged/,
    ],
    ["a quota refusal points at the quota", 'FailedCreate: pods "dev-0" is forbidden: exceeded quota: q, requested: pods=1', /ResourceQuota or LimitRange/],
    ["a LimitRange refusal points at it too", "FailedCreate: forbidden: maximum memory usage per Container is 64Mi", /ResourceQuota or LimitRange/],
    [
      "an image without a shell says so, though its text says error",
      'RunContainerError: container sprite: failed to create containerd task: exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown',
      /the image has no \/bin\/sh/,
    ],
    ["a webhook refusal names the webhook", 'FailedCreate: admission webhook "deny.example.com" denied the request: no', /admission webhook/],
  ])("%s", (_name, text, hint) => {
    expect(failureHint("dev", text)).toMatch(hint);
  });
});
