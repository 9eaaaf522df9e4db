// Whether a Sprite can take a command after a wake request, read from its status alone: the pure rule
// every wake follows (sprite-client/wake.ts), and the record of sleep the operator and session ends read.
import { CONDITION, REASON, type Sprite } from "./group.js";
import type { SpriteStatus } from "./sprite-schema.js";

export type WakeVerdict =
  | { state: "ready" }
  | { state: "waiting"; step: string }
  | { state: "failed"; reason: string; message: string };

const time = (text: string | undefined) => (text ? Date.parse(text) : NaN);

/**
 * Asleep is the operator's own record: hibernatedAt newer than wokeAt. The operator writes it before
 * it scales down, so no pod is stopped for hibernation without the status saying so first.
 */
export function isAsleep(status: SpriteStatus): boolean {
  const slept = time(status.hibernatedAt);
  const woke = time(status.wokeAt);
  return !Number.isNaN(slept) && (Number.isNaN(woke) || slept >= woke);
}

/**
 * Whether a Sprite can take a command after a wake request that produced generation `minGeneration`.
 *
 * Ready needs phase Active and the Ready condition True (the operator sets it once the main container
 * runs: see operator/sprite/pod-view.ts). Normally the operator must also have seen the request
 * (observedGeneration), which closes the race with a hibernation decided just before it. One case
 * needs no waiting: a status read at or after the request that is awake and not asleep. A hibernation
 * is recorded in the status, conditional on the version the operator decided from, before anything is
 * scaled down; our request changed that version, so a hibernation decided before it fails and is
 * decided again with the request counted, and one decided after it counts the request as activity.
 * A failing pod is believed only once the request is seen: a failure from before may be cured by it.
 */
export function wakeVerdict(sprite: Sprite, minGeneration: number): WakeVerdict {
  const status = sprite.status ?? {};
  if (sprite.metadata.deletionTimestamp) return { state: "failed", reason: REASON.terminating, message: "the Sprite is being deleted" };
  const ready = status.conditions?.find((c) => c.type === CONDITION.ready);
  if (status.phase === "Active" && ready?.status === "True" && !isAsleep(status)) return { state: "ready" };
  if ((status.observedGeneration ?? 0) < minGeneration) return { state: "waiting", step: "waiting for the operator" };
  if (ready?.status === "False" && (ready.reason === REASON.podFailing || ready.reason === REASON.nodeNotReady)) {
    return { state: "failed", reason: ready.reason, message: ready.message ?? "the pod is failing" };
  }
  if (status.phase === "Hibernating") {
    // Asleep after the operator acted on this request (a new request to a Sprite asleep wakes it, in
    // the same status write that records the request), or after waking it for its creation: it went
    // back to sleep before anyone reached it, and waiting longer would wait for ever.
    const requestSeen = sprite.spec.wakeRequestedAt !== undefined && status.observedWakeRequestedAt === sprite.spec.wakeRequestedAt;
    const wokeForCreation = sprite.spec.wakeRequestedAt === undefined && time(status.wokeAt) >= time(sprite.metadata.creationTimestamp);
    if (isAsleep(status) && (requestSeen || wokeForCreation)) {
      return { state: "failed", reason: REASON.hibernated, message: "it woke and hibernated again before it could be reached (its idle timeout ran out)" };
    }
    return { state: "waiting", step: "scaling up" };
  }
  if (status.phase === "Terminating") return { state: "failed", reason: REASON.terminating, message: "the Sprite is being deleted" };
  if (ready?.message) return { state: "waiting", step: `starting: ${ready.message}` };
  return { state: "waiting", step: ready?.reason === REASON.podStarting ? "starting the pod" : `${status.phase ?? "pending"}` };
}
