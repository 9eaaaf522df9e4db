// Reading a pod: Ready, starting, or failing and why.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../kube/client.js";
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
      name: "a failed home-setup container (of a pod made before the volume layout) does not",
      pod: pod({ initContainerStatuses: [{ name: "home-setup", state: { terminated: { exitCode: 1 } } }] }),
      want: { exists: true, ready: false },
    },
    {
      name: "a pod whose volume-setup container succeeded says the home is set up, and what it made of the volume",
      pod: pod({
        conditions: [{ type: "Ready", status: "True" }],
        initContainerStatuses: [
          { name: "volume-setup", state: { terminated: { exitCode: 0, finishedAt: "2026-01-01T11:59:59Z", message: '{"layout":2,"system":{"name":"system","image":"i:1","bytes":7}}' } } },
        ],
      }),
      want: { exists: true, ready: true, homeSetUp: true, volume: { layout: 2, system: { name: "system", image: "i:1", bytes: 7 }, setUpAt: "2026-01-01T11:59:59Z" } },
    },
    {
      name: "a volume-setup container at work says so (a first start seeds the system)",
      pod: pod({ initContainerStatuses: [{ name: "volume-setup", state: { running: { startedAt: "2026-01-01T11:59:59Z" } } }] }),
      want: { exists: true, ready: false, settingUpVolume: true },
    },
    {
      name: "a failed volume-setup container fails the pod with its own words, at its first failure",
      pod: pod({ initContainerStatuses: [{ name: "volume-setup", state: { terminated: { exitCode: 1, message: "The system of i:1 needs 300 MiB…" } } }] }),
      want: { exists: true, ready: false, failing: { reason: "VolumeSetupFailed", message: "The system of i:1 needs 300 MiB…" } },
    },
    {
      name: "… and while the kubelet backs off before its next try",
      pod: pod({
        initContainerStatuses: [
          { name: "volume-setup", state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 10s" } }, lastState: { terminated: { exitCode: 1, message: "too small" } } },
        ],
      }),
      want: { exists: true, ready: false, failing: { reason: "VolumeSetupFailed", message: "too small" } },
    },
    {
      name: "… but not once a later try succeeded",
      pod: pod({
        initContainerStatuses: [{ name: "volume-setup", state: { terminated: { exitCode: 0, message: '{"layout":2}' } }, lastState: { terminated: { exitCode: 1, message: "too small" } } }],
      }),
      want: { exists: true, ready: false, homeSetUp: true, volume: { layout: 2 } },
    },
    {
      name: "a container still creating is only starting",
      pod: pod({ containerStatuses: [{ name: "sprite", state: { waiting: { reason: "ContainerCreating" } } }] }),
      want: { exists: true, ready: false },
    },
  ])("$name", ({ pod: p, want }) => expect(podView(p, now)).toEqual(want));

  const created = { creationTimestamp: "2026-01-01T11:59:58Z" };
  const starting = { containerStatuses: [{ name: "sprite", state: { waiting: { reason: "ContainerCreating" } } }] };
  it.each([
    { name: "the main container's process seen by the agent in this pod makes it Ready before the kubelet's status does", pod: pod(starting, created), agent: "2026-01-01T11:59:59.200Z", want: { exists: true, ready: true } },
    { name: "a process started in the pod's creation second counts (creation times are whole seconds)", pod: pod(starting, created), agent: "2026-01-01T11:59:58.100Z", want: { exists: true, ready: true } },
    { name: "a process of an earlier pod does not", pod: pod(starting, created), agent: "2026-01-01T11:50:00Z", want: { exists: true, ready: false } },
    { name: "no report, no evidence", pod: pod(starting, created), agent: undefined, want: { exists: true, ready: false } },
    {
      name: "a failing container wins over the agent's evidence",
      pod: pod({ containerStatuses: [{ name: "sprite", state: { waiting: { reason: "CrashLoopBackOff", message: "back-off" } } }] }, created),
      agent: "2026-01-01T11:59:59Z",
      want: { exists: true, ready: false, failing: { reason: "CrashLoopBackOff", message: "container sprite: back-off" } },
    },
    {
      name: "the kubelet's later word wins: Ready turned False after the process started (a container stopped since)",
      pod: pod({ ...starting, conditions: [{ type: "Ready", status: "False", reason: "ContainersNotReady", lastTransitionTime: "2026-01-01T12:00:00Z" }] }, created),
      agent: "2026-01-01T11:59:58.500Z",
      want: { exists: true, ready: false },
    },
    {
      name: "the kubelet's Ready=False from the pod's start does not outweigh the agent's sight",
      pod: pod({ ...starting, conditions: [{ type: "Ready", status: "False", reason: "ContainersNotReady", lastTransitionTime: "2026-01-01T11:59:58Z" }] }, created),
      agent: "2026-01-01T11:59:58.500Z",
      want: { exists: true, ready: true },
    },
    { name: "a pod being deleted is not Ready, whatever its agent saw", pod: pod(starting, { ...created, deletionTimestamp: "2026-01-01T12:00:00Z" }), agent: "2026-01-01T11:59:59Z", want: { exists: true, ready: false } },
  ])("$name", ({ pod: p, agent, want }) => expect(podView(p, now, agent)).toEqual(want));
});
