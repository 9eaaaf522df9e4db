// When a changed pod template may replace an awake Sprite's pod: now, once nobody uses it, or after a warning. Pure.
import { REASON } from "../api/index.js";

/** The two hashes a StatefulSet carries, of the template it was last given. */
export interface TemplateHashes {
  /** Of the Sprite spec's fields that shape the pod (image, resources): what the user changes. */
  user: string;
  /** Of the whole pod template: changes also when Puck's own part does (agent image, defaults). */
  template: string;
}

export interface RolloutInput {
  /** The live StatefulSet's hashes; undefined when there is no StatefulSet yet. One made by an older
   * operator has none: its template differs by Puck's doing (the upgrade), not the user's. */
  live?: Partial<TemplateHashes>;
  desired: TemplateHashes;
  /** Whether the live template already is the desired one (compared field by field). */
  templateMatches: boolean;
  /** The replicas the decision wants: 0 stops the pod anyway. */
  replicas: 0 | 1;
  /** Whether the Sprite's pod exists and is ready: only a running pod can have sessions to lose. */
  podReady: boolean;
  /** decide()'s idle: a fresh report says nobody uses the Sprite. */
  idle: boolean;
  /** status.restartsAt as recorded: the warned restart already scheduled, if any. */
  restartsAt?: Date;
  now: Date;
  /** How long terminals are warned before a restart the user asked for. */
  warnMs: number;
}

export type Rollout =
  /** The desired template goes into the StatefulSet now (or nothing differs). */
  | { action: "apply" }
  /** The live template stays; the change waits, as `reason` says. */
  | { action: "hold"; reason: string; message: string; restartsAt?: Date };

/**
 * A template change replaces the pod, which ends every session in it. So: a Sprite with no running
 * pod (hibernating, hibernating now, starting, failing) takes any change at once; so does one that a
 * fresh report says nobody uses. Otherwise a change Puck made on its own (a new agent image, the
 * operator's own defaults after an upgrade) waits until that is so, or until the Sprite hibernates;
 * a change the user asked for (spec.image, spec.resources) applies at restartsAt, after the agent
 * has warned the terminals as it does before hibernation.
 */
export function rollout(input: RolloutInput): Rollout {
  const { live, desired } = input;
  if (!live || input.templateMatches || input.replicas === 0 || !input.podReady || input.idle) return { action: "apply" };
  if (live.user === undefined || live.user === desired.user) {
    return {
      action: "hold",
      reason: REASON.heldWhileInUse,
      message: "A new pod template from Puck (agent image or defaults) waits until nobody uses the Sprite, or until it hibernates.",
    };
  }
  const restartsAt = input.restartsAt ?? new Date(input.now.getTime() + input.warnMs);
  if (input.now >= restartsAt) return { action: "apply" };
  return {
    action: "hold",
    reason: REASON.restartScheduled,
    message: `The change to the Sprite's spec (image, resources) restarts its pod at ${restartsAt.toISOString()}; its terminals were warned.`,
    restartsAt,
  };
}
