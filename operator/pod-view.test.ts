// Reading a pod: Ready, starting, or failing and why.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "./kube-client.js";
import { podView } from "./pod-view.js";

const pod = (status: unknown, extra: Partial<KubeObject["metadata"]> = {}): KubeObject => ({ metadata: { name: "a-0", ...extra }, status });

describe("podView", () => {
  it.each([
    { name: "no pod", pod: undefined, want: { exists: false, ready: false } },
    { name: "a Ready pod", pod: pod({ conditions: [{ type: "Ready", status: "True" }] }), want: { exists: true, ready: true } },
    {
      name: "a terminating pod is not Ready",
      pod: pod({ conditions: [{ type: "Ready", status: "True" }] }, { deletionTimestamp: "2026-01-01T00:00:00Z" }),
      want: { exists: true, ready: false },
    },
    {
      name: "an image that cannot be pulled is failing",
      pod: pod({ containerStatuses: [{ name: "sprite", state: { waiting: { reason: "ImagePullBackOff", message: "not found" } } }] }),
      want: { exists: true, ready: false, failing: { reason: "ImagePullBackOff", message: "container sprite: not found" } },
    },
    {
      name: "an unschedulable pod is failing",
      pod: pod({ conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes" }] }),
      want: { exists: true, ready: false, failing: { reason: "Unschedulable", message: "0/1 nodes" } },
    },
    {
      name: "a container still creating is only starting",
      pod: pod({ containerStatuses: [{ name: "sprite", state: { waiting: { reason: "ContainerCreating" } } }] }),
      want: { exists: true, ready: false },
    },
  ])("$name", ({ pod: p, want }) => expect(podView(p)).toEqual(want));
});
