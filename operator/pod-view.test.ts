// Reading a pod: Ready, starting, or failing and why.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../kube/client.js";
import { podView } from "./pod-view.js";

const pod = (status: unknown, extra: Partial<KubeObject["metadata"]> = {}): KubeObject => ({ metadata: { name: "a-0", ...extra }, status });

const now = new Date("2026-01-01T12:00:00Z");

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
      name: "a pod unschedulable for longer than the grace is failing",
      pod: pod({ conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes", lastTransitionTime: "2026-01-01T11:59:00Z" }] }),
      want: { exists: true, ready: false, failing: { reason: "Unschedulable", message: "0/1 nodes" } },
    },
    {
      name: "a pod unschedulable for a moment (its claim not yet seen by the scheduler) is only starting, looked at again when the grace ends",
      pod: pod({ conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "pvc not found", lastTransitionTime: "2026-01-01T11:59:55Z" }] }),
      want: { exists: true, ready: false, recheckAt: new Date("2026-01-01T12:00:15Z") },
    },
    {
      name: "a pod whose home-setup container succeeded says the home is set up",
      pod: pod({
        conditions: [{ type: "Ready", status: "True" }],
        initContainerStatuses: [{ name: "home-user", state: { terminated: { exitCode: 0 } } }, { name: "home-setup", state: { terminated: { exitCode: 0 } } }],
      }),
      want: { exists: true, ready: true, homeSetUp: true },
    },
    {
      name: "a failed home-setup container does not",
      pod: pod({ initContainerStatuses: [{ name: "home-setup", state: { terminated: { exitCode: 1 } } }] }),
      want: { exists: true, ready: false },
    },
    {
      name: "a container still creating is only starting",
      pod: pod({ containerStatuses: [{ name: "sprite", state: { waiting: { reason: "ContainerCreating" } } }] }),
      want: { exists: true, ready: false },
    },
  ])("$name", ({ pod: p, want }) => expect(podView(p, now)).toEqual(want));
});
