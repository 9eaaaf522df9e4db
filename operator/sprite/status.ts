// The part of a Sprite's status the operator owns: computed from its decision, diffed into a merge patch.
import { CONDITION, REASON, type Condition, type HttpStatus, type SpriteStatus, type VolumeStatus } from "../api/index.js";
import { deepEqual } from "../runtime/compare.js";
import { setCondition } from "./conditions.js";
import type { Decision } from "./decide.js";
import type { Rollout } from "./rollout.js";
import { diskPressureCondition } from "./disk-pressure.js";

/** Fields the operator writes; the agent owns activeSessions, lastActiveTime and activity, the gateway lastHTTPRequest. */
export const OPERATOR_FIELDS = [
  "phase",
  "podName",
  "observedGeneration",
  "conditions",
  "reason",
  "message",
  "hibernatesAt",
  "restartsAt",
  "wokeAt",
  "hibernatedAt",
  "homeSetUpAt",
  "volume",
  "observedWakeRequestedAt",
  "http",
] as const;
export type OperatorStatus = Pick<SpriteStatus, (typeof OPERATOR_FIELDS)[number]>;

export interface PodView {
  exists: boolean;
  ready: boolean;
  /** Why the pod cannot start (ImagePullBackOff, Unschedulable, ...), with a message. */
  failing?: { reason: string; message: string };
  /** When to look again: a pod not yet schedulable becomes failing once its grace has run out. */
  recheckAt?: Date;
  /** Its volume-setup init container succeeded: the home is the user's. */
  homeSetUp?: boolean;
  /** What that container reported of the volume (layout, system, earlier systems). */
  volume?: VolumeStatus;
  /** That container is running: moving the layout, seeding the system (a first start takes seconds). */
  settingUpVolume?: boolean;
}

export interface StatusInput {
  current: SpriteStatus;
  generation: number;
  /** What decide() made of this reconcile (or TERMINATING), as it made it. */
  decision: Pick<Decision, "replicas" | "phase" | "reason" | "message" | "activityFresh" | "hibernatesAt">;
  /** Said after the decision's message, e.g. why the home volume could not grow. */
  note?: string;
  /** Whether the StatefulSet took the desired pod template (ensureChildren); unknown before it ran. */
  rollout?: Rollout;
  podName: string;
  pod: PodView;
  wokeAt?: string;
  hibernatedAt?: string;
  homeSetUpAt?: string;
  /** What the pod's volume setup reported, to replace status.volume. */
  volume?: VolumeStatus;
  /** spec.wakeRequestedAt as read by the reconcile that writes this status. */
  wakeRequestedAt?: string;
  /** The URL of each port in spec.http (http-urls.ts). */
  http?: HttpStatus[];
  /** spec.storageSize in bytes: a volume holding more is under pressure. */
  storageSizeBytes?: number;
}

const isTerminating = (input: Pick<StatusInput, "decision">): boolean => input.decision.phase === "Terminating";

export function readyCondition(input: Pick<StatusInput, "decision" | "pod">): Omit<Condition, "lastTransitionTime" | "observedGeneration"> {
  if (isTerminating(input)) return { type: CONDITION.ready, status: "False", reason: REASON.terminating, message: "The Sprite is being deleted." };
  if (input.decision.replicas === 0) {
    if (input.pod.failing?.reason === REASON.nodeNotReady) {
      return { type: CONDITION.ready, status: "False", reason: REASON.nodeNotReady, message: `The Sprite is hibernating and cannot wake until its node is back: ${input.pod.failing.message}.` };
    }
    return { type: CONDITION.ready, status: "False", reason: REASON.hibernated, message: "The Sprite is hibernating." };
  }
  if (input.pod.ready) return { type: CONDITION.ready, status: "True", reason: REASON.podReady, message: "The pod is up." };
  if (input.pod.failing?.reason === REASON.nodeNotReady) {
    return { type: CONDITION.ready, status: "False", reason: REASON.nodeNotReady, message: input.pod.failing.message };
  }
  if (input.pod.failing) {
    return { type: CONDITION.ready, status: "False", reason: REASON.podFailing, message: `${input.pod.failing.reason}: ${input.pod.failing.message}` };
  }
  if (input.pod.settingUpVolume) {
    return { type: CONDITION.ready, status: "False", reason: REASON.podStarting, message: "Setting up the system disk (moving the volume's layout or copying the image's system onto it: seconds, once)." };
  }
  return { type: CONDITION.ready, status: "False", reason: REASON.podStarting, message: "The pod is starting." };
}

/** The operator's fields as they should be now. Times are kept from `current` unless given. */
export function desiredOperatorStatus(input: StatusInput, now: Date): OperatorStatus {
  const g = input.generation;
  const { decision } = input;
  let conditions = setCondition(input.current.conditions, { ...readyCondition(input), observedGeneration: g }, now);
  conditions = setCondition(conditions, { type: CONDITION.activityFresh, ...decision.activityFresh, observedGeneration: g }, now);
  const disk = diskPressureCondition(input.current.disk, g, input.storageSizeBytes);
  if (disk) conditions = setCondition(conditions, disk, now);
  const update = updatePendingCondition(input.rollout, input.current.conditions);
  if (update) conditions = setCondition(conditions, { ...update, observedGeneration: g }, now);
  const status: OperatorStatus = {
    phase: decision.phase,
    observedGeneration: g,
    conditions,
    reason: decision.reason,
    message: input.note ? `${decision.message} ${input.note}` : decision.message,
  };
  if (decision.replicas === 1) status.podName = input.podName;
  if (decision.hibernatesAt) status.hibernatesAt = decision.hibernatesAt.toISOString();
  // Kept as recorded until the rollout is known again: the restart time must not move.
  const restartsAt = input.rollout ? (input.rollout.action === "hold" ? input.rollout.restartsAt?.toISOString() : undefined) : input.current.restartsAt;
  if (restartsAt) status.restartsAt = restartsAt;
  const wokeAt = input.wokeAt ?? input.current.wokeAt;
  const hibernatedAt = input.hibernatedAt ?? input.current.hibernatedAt;
  if (wokeAt) status.wokeAt = wokeAt;
  if (input.wakeRequestedAt) status.observedWakeRequestedAt = input.wakeRequestedAt;
  if (hibernatedAt) status.hibernatedAt = hibernatedAt;
  const homeSetUpAt = input.current.homeSetUpAt ?? input.homeSetUpAt;
  if (homeSetUpAt) status.homeSetUpAt = homeSetUpAt;
  const volume = input.volume ?? input.current.volume;
  if (volume) status.volume = volume;
  if (input.http) status.http = input.http;
  return status;
}

/**
 * True while a new pod template waits (why, in the reason); False once it is applied. A Sprite that
 * never had a pending update has no such condition at all.
 */
export function updatePendingCondition(rollout: Rollout | undefined, conditions: Condition[] | undefined): Omit<Condition, "lastTransitionTime" | "observedGeneration"> | undefined {
  if (!rollout) return undefined;
  if (rollout.action === "hold") return { type: CONDITION.updatePending, status: "True", reason: rollout.reason, message: rollout.message };
  if (!conditions?.some((c) => c.type === CONDITION.updatePending)) return undefined;
  return { type: CONDITION.updatePending, status: "False", reason: REASON.upToDate, message: "The pod runs the current template." };
}

const same = (a: unknown, b: unknown): boolean => deepEqual(a ?? null, b ?? null);

/**
 * A merge patch of only the operator's fields that differ (null removes one), or undefined when
 * nothing changed — so an agent report that changes nothing the operator sees costs no write.
 */
export function operatorStatusChanges(current: SpriteStatus, desired: OperatorStatus): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  for (const field of OPERATOR_FIELDS) {
    if (!same(current[field], desired[field])) patch[field] = replacing(current[field], desired[field]);
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A merge-patch value that turns `current` into `desired`: a merge patch merges objects, so a key the
 * desired object lacks is sent as null (status.volume losing its previousSystems).
 */
function replacing(current: unknown, desired: unknown): unknown {
  if (desired === undefined || desired === null) return null;
  if (!isPlainObject(current) || !isPlainObject(desired)) return desired;
  const patch: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(current), ...Object.keys(desired)])) {
    if (!same(current[key], desired[key])) patch[key] = replacing(current[key], desired[key]);
  }
  return patch;
}
