import { describe, expect, it } from "vitest";
import { failureCause, failureHint, podEventNote } from "./wake-events.js";
import type { KubeEvent } from "./sprites.js";

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
    [
      "a Sprite whose node is down says to bring the node back, though its text says not ready",
      "its home volume lives on node b, which is not ready (Kubelet stopped posting node status) (pod event NodeNotReady: Node is not ready)",
      /bring that node back/,
    ],
  ])("%s", (_name, text, hint) => {
    expect(failureHint("dev", text)).toMatch(hint);
  });
});
