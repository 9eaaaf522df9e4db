// The part of a Sprite's status the operator owns: computed from a verdict, diffed into a merge patch.
import { CONDITION, REASON, type Condition, type Phase, type SpriteStatus } from "./api/index.js";
import { deepEqual } from "./compare.js";
import { setCondition } from "./conditions.js";
import { diskPressureCondition } from "./disk-pressure.js";

/** Fields the operator writes; the agent owns activeSessions, lastActiveTime and activity. */
export const OPERATOR_FIELDS = [
  "phase",
  "podName",
  "observedGeneration",
  "conditions",
  "reason",
  "message",
  "hibernatesAt",
  "wokeAt",
  "hibernatedAt",
  "homeSetUpAt",
  "observedWakeRequestedAt",
] as const;
export type OperatorStatus = Pick<SpriteStatus, (typeof OPERATOR_FIELDS)[number]>;

export interface PodView {
  exists: boolean;
  ready: boolean;
  /** Why the pod cannot start (ImagePullBackOff, Unschedulable, ...), with a message. */
  failing?: { reason: string; message: string };
  /** When to look again: a pod not yet schedulable becomes failing once its grace has run out. */
  recheckAt?: Date;
  /** Its home-setup init container succeeded: the home volume is the user's. */
  homeSetUp?: boolean;
}

export interface StatusInput {
  current: SpriteStatus;
  generation: number;
  phase: Phase;
  reason: string;
  message: string;
  replicas: 0 | 1;
  podName: string;
  pod: PodView;
  activityFresh: { status: "True" | "False"; reason: string; message: string };
  hibernatesAt?: Date;
  wokeAt?: string;
  hibernatedAt?: string;
  homeSetUpAt?: string;
  terminating?: boolean;
  /** spec.wakeRequestedAt as read by the reconcile that writes this status. */
  wakeRequestedAt?: string;
}

export function readyCondition(input: Pick<StatusInput, "replicas" | "pod" | "terminating">): Omit<Condition, "lastTransitionTime" | "observedGeneration"> {
  if (input.terminating) return { type: CONDITION.ready, status: "False", reason: REASON.terminating, message: "The Sprite is being deleted." };
  if (input.replicas === 0) return { type: CONDITION.ready, status: "False", reason: REASON.hibernated, message: "The Sprite is hibernating." };
  if (input.pod.ready) return { type: CONDITION.ready, status: "True", reason: REASON.podReady, message: "The pod is up." };
  if (input.pod.failing?.reason === REASON.nodeNotReady) {
    return { type: CONDITION.ready, status: "False", reason: REASON.nodeNotReady, message: input.pod.failing.message };
  }
  if (input.pod.failing) {
    return { type: CONDITION.ready, status: "False", reason: REASON.podFailing, message: `${input.pod.failing.reason}: ${input.pod.failing.message}` };
  }
  return { type: CONDITION.ready, status: "False", reason: REASON.podStarting, message: "The pod is starting." };
}

/** The operator's fields as they should be now. Times are kept from `current` unless given. */
export function desiredOperatorStatus(input: StatusInput, now: Date): OperatorStatus {
  const g = input.generation;
  let conditions = setCondition(input.current.conditions, { ...readyCondition(input), observedGeneration: g }, now);
  conditions = setCondition(conditions, { type: CONDITION.activityFresh, ...input.activityFresh, observedGeneration: g }, now);
  const disk = diskPressureCondition(input.current.disk, g);
  if (disk) conditions = setCondition(conditions, disk, now);
  const status: OperatorStatus = {
    phase: input.terminating ? "Terminating" : input.phase,
    observedGeneration: g,
    conditions,
    reason: input.terminating ? REASON.terminating : input.reason,
    message: input.terminating ? "Deleting the Sprite." : input.message,
  };
  if (input.replicas === 1 && !input.terminating) status.podName = input.podName;
  if (input.hibernatesAt && !input.terminating) status.hibernatesAt = input.hibernatesAt.toISOString();
  const wokeAt = input.wokeAt ?? input.current.wokeAt;
  const hibernatedAt = input.hibernatedAt ?? input.current.hibernatedAt;
  if (wokeAt) status.wokeAt = wokeAt;
  if (input.wakeRequestedAt) status.observedWakeRequestedAt = input.wakeRequestedAt;
  if (hibernatedAt) status.hibernatedAt = hibernatedAt;
  const homeSetUpAt = input.current.homeSetUpAt ?? input.homeSetUpAt;
  if (homeSetUpAt) status.homeSetUpAt = homeSetUpAt;
  return status;
}

const same = (a: unknown, b: unknown): boolean => deepEqual(a ?? null, b ?? null);

/**
 * A merge patch of only the operator's fields that differ (null removes one), or undefined when
 * nothing changed — so an agent report that changes nothing the operator sees costs no write.
 */
export function statusPatch(current: SpriteStatus, desired: OperatorStatus): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  for (const field of OPERATOR_FIELDS) {
    if (!same(current[field], desired[field])) patch[field] = desired[field] ?? null;
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}
