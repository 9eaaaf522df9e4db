// Whether a Sprite's home volume claim vanished (deleted by hand) after the Sprite first woke. Pure.
import { CONDITION, REASON, type Condition, type Sprite } from "../api/index.js";
import type { ConditionInput } from "./conditions.js";
import type { KubeObject } from "../../kube/client.js";

/**
 * The operator makes the claim before the Sprite first wakes (status.wokeAt), so a Sprite that has
 * woken and has no claim, or one being deleted, lost it to someone's hand. The operator then makes
 * a new, empty one (the documented behaviour: a Sprite always has a home), but says so first, in a
 * condition that stays as the record of the loss, and a Warning event.
 */
export function homeVolumeLoss(
  sprite: Sprite,
  pvc: KubeObject | undefined,
  claimName: string,
  generation: number,
  /** The HomeVolumeLost condition as recorded: a deletion seen in progress whose claim is now new
   * was a loss, even if no reconcile saw the moment it was gone. */
  recorded?: Condition,
): ConditionInput | undefined {
  if (!sprite.status?.wokeAt) return undefined;
  const base = { type: CONDITION.homeVolumeLost, status: "True" as const, observedGeneration: generation };
  const lost = {
    ...base,
    reason: REASON.homeVolumeLost,
    message: `The home volume claim ${claimName} was deleted while the Sprite existed; Puck made a new, empty one. The old data is gone unless its PersistentVolume was retained.`,
  };
  if (!pvc) return lost;
  if (pvc.metadata.deletionTimestamp) {
    if (sprite.spec.purgeStorageOnDelete) return undefined;
    return {
      ...base,
      reason: REASON.homeVolumeDeleting,
      message: `The home volume claim ${claimName} is being deleted while the Sprite exists; once its pod stops, Puck makes a new, empty one.`,
    };
  }
  return recorded?.reason === REASON.homeVolumeDeleting ? lost : undefined;
}
