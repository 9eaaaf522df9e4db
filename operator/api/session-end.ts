// Why a session in a Sprite ended from the Sprite's side (hibernation, deletion, its pod stopping), told
// in one line with the way back: `puck connect` prints it, and so does the SSH gateway. Pure: the reads
// it needs are sprite-client/session-end.ts's.
import { REASON, type Sprite } from "./group.js";
import { isAsleep } from "./wake-verdict.js";

/** A Sprite's pod as a session's end is judged by (sprite-client/sprites.ts's podPresence reads it). */
export interface PodSeen {
  /** False when the pod is gone (404). */
  exists: boolean;
  deleting?: boolean;
  /** Its creation time: a pod made after the session began is a new one (the old one stopped). */
  createdMs?: number;
}

export interface SessionEnd {
  cause: "Hibernated" | "Deleted" | "PodStopped";
  /** One line: what happened and how to come back. */
  text: string;
}

/**
 * The Sprite-side cause of a session's end, or undefined when the Sprite and its pod are as they were
 * (then the command ended by itself). `sprite` is undefined when the Sprite is gone (404). Read right
 * after the session ends: the operator records a hibernation before it stops the pod, so it shows.
 * `sinceMs` is when the session began; creation times have whole seconds, so a pod counts as new only
 * from the second after it.
 */
export function sessionEnd(name: string, sprite: Sprite | undefined, pod: PodSeen, sinceMs: number): SessionEnd | undefined {
  if (!sprite || sprite.metadata.deletionTimestamp) {
    return {
      cause: "Deleted",
      text: `Sprite ${name} was deleted, which ended the session; its home volume is kept, and \`puck create ${name}\` re-attaches it.`,
    };
  }
  const status = sprite.status ?? {};
  if (isAsleep(status)) {
    const why = status.reason === REASON.hibernateRequested ? "on request" : "after its idle timeout";
    return { cause: "Hibernated", text: `Sprite ${name} hibernated ${why}, which ended the session; \`puck connect ${name}\` wakes it.` };
  }
  const newPod = pod.createdMs !== undefined && pod.createdMs >= Math.floor(sinceMs / 1000) * 1000 + 1000;
  if (!pod.exists || pod.deleting || newPod) {
    return { cause: "PodStopped", text: `The pod of Sprite ${name} stopped, which ended the session; \`puck connect ${name}\` starts it again.` };
  }
  return undefined;
}
