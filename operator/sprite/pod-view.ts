// What the operator needs to know about a Sprite's pod: there, Ready, or failing and why. Pure.
import type { KubeObject } from "../../kube/client.js";
import type { PodView } from "./status.js";
import { LEGACY_HOME_SETUP_CONTAINER, VOLUME_SETUP_CONTAINER } from "./volume-setup.js";
import { parseVolumeSummary } from "./volume-state.js";

interface Terminated {
  exitCode?: number;
  message?: string;
  finishedAt?: string;
}

interface ContainerStatus {
  name: string;
  state?: { waiting?: { reason?: string; message?: string }; running?: object; terminated?: Terminated };
  lastState?: { terminated?: Terminated };
}

interface PodStatus {
  phase?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
}

/** The reason a pod fails when its volume could not be set up (the script says why: sizes, the fix). */
export const VOLUME_SETUP_FAILED = "VolumeSetupFailed";

/** Waiting reasons that mean the pod will not start by itself. */
export const FAILING_REASONS = new Set([
  "ImagePullBackOff",
  "ErrImagePull",
  "ErrImageNeverPull",
  "InvalidImageName",
  "CrashLoopBackOff",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
]);

/**
 * How long a pod may stay unschedulable before it counts as failing. The scheduler often reports
 * Unschedulable for a moment on its way to success (its cache has not seen the new claim yet, the
 * volume is still binding); only a lasting one means no node fits.
 */
export const UNSCHEDULABLE_GRACE_MS = 20_000;

/**
 * Whether the agent saw this pod's main container run: the agent shares the pod's process namespace
 * and reports when the main container's first process started (activity.mainStartTime), up to a
 * second before the kubelet's own status says so (it notices started containers only at its next
 * relist). That start must not be before the pod was made (creation times have whole seconds): a
 * report from an earlier pod names an earlier process. An agent merely running proves nothing — the
 * kubelet starts the agent even when the main container's image cannot be pulled.
 */
export function mainSeenRunning(pod: KubeObject, mainStartTime: string | undefined): boolean {
  const created = Date.parse(pod.metadata.creationTimestamp ?? "");
  const started = Date.parse(mainStartTime ?? "");
  if (Number.isNaN(created) || Number.isNaN(started) || started < Math.floor(created / 1000) * 1000) return false;
  // The kubelet's later word wins: Ready turned False after the process started means a container
  // stopped since (a crash, a restart).
  const kubeletReady = ((pod.status ?? {}) as PodStatus).conditions?.find((c) => c.type === "Ready");
  const turned = Date.parse(kubeletReady?.lastTransitionTime ?? "");
  return !(kubeletReady?.status === "False" && turned >= Math.floor(started / 1000) * 1000 + 1000);
}

/**
 * The pod as the operator sees it. Ready when the kubelet says so, or — sooner — when the agent saw
 * its main container run (`mainStartTime` of the Sprite's activity report) and nothing in it is failing.
 */
export function podView(pod: KubeObject | undefined, now: Date, mainStartTime?: string): PodView {
  if (!pod) return { exists: false, ready: false };
  const status = (pod.status ?? {}) as PodStatus;
  return { ...podState(pod, status, now, mainStartTime), ...volumeSetupView(status) };
}

/** What the pod's volume-setup container did: still running, done (with its summary), or failed and why. */
function volumeSetupView(status: PodStatus): Partial<PodView> {
  const setup = status.initContainerStatuses?.find((c) => c.name === VOLUME_SETUP_CONTAINER);
  const legacy = status.initContainerStatuses?.find((c) => c.name === LEGACY_HOME_SETUP_CONTAINER);
  if (legacy?.state?.terminated?.exitCode === 0) return { homeSetUp: true };
  if (!setup) return {};
  const done = setup.state?.terminated;
  if (done?.exitCode === 0) {
    const volume = parseVolumeSummary(done.message, done.finishedAt);
    return { homeSetUp: true, ...(volume ? { volume } : {}) };
  }
  if (setup.state?.running) return { settingUpVolume: true };
  return {};
}

function podState(pod: KubeObject, status: PodStatus, now: Date, mainStartTime: string | undefined): PodView {
  const ready = !pod.metadata.deletionTimestamp && status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
  if (ready) return { exists: true, ready: true };
  const setupFailure = volumeSetupFailure(status);
  if (setupFailure) return { exists: true, ready: false, failing: setupFailure };
  for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && FAILING_REASONS.has(waiting.reason)) {
      return { exists: true, ready: false, failing: { reason: waiting.reason, message: `container ${c.name}: ${waiting.message ?? waiting.reason}` } };
    }
  }
  if (!pod.metadata.deletionTimestamp && mainSeenRunning(pod, mainStartTime)) return { exists: true, ready: true };
  const scheduled = status.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    const since = Date.parse(scheduled.lastTransitionTime ?? "") || now.getTime();
    const failsAt = since + UNSCHEDULABLE_GRACE_MS;
    if (now.getTime() < failsAt) return { exists: true, ready: false, recheckAt: new Date(failsAt) };
    return { exists: true, ready: false, failing: { reason: "Unschedulable", message: scheduled.message ?? "no node fits the pod" } };
  }
  return { exists: true, ready: false };
}

/**
 * A volume-setup container that exited with an error said why on its termination message (a volume
 * too small for the system, a layout it will not touch): the one line a user needs, at its first
 * failure (the kubelet then retries it with a back-off).
 */
function volumeSetupFailure(status: PodStatus): PodView["failing"] {
  const setup = status.initContainerStatuses?.find((c) => c.name === VOLUME_SETUP_CONTAINER);
  if (!setup || setup.state?.running || setup.state?.terminated?.exitCode === 0) return undefined;
  const failed = [setup.state?.terminated, setup.lastState?.terminated].find((t) => t !== undefined && t.exitCode !== 0);
  if (!failed) return undefined;
  const message = failed.message?.trim() || `the container ${VOLUME_SETUP_CONTAINER} exited with code ${failed.exitCode}; see its log`;
  return { reason: VOLUME_SETUP_FAILED, message };
}
