// The Sprite's home volume claim: made through ensure() and only ever grown, and its loss reported.
import { CONDITION, REASON, SPRITES, childNames, storageSize, type Sprite, type SpriteStatus } from "../api/index.js";
import type { KubeObject } from "../../kube/client.js";
import { parseQuantity } from "../../kube/quantity.js";
import { findCondition, setCondition } from "./conditions.js";
import { desiredPvc } from "./desired-objects.js";
import { ensure, readObject, type Copier } from "../runtime/ensure.js";
import { homeVolumeLoss } from "./home-volume-loss.js";
import type { Logger } from "../runtime/logger.js";
import { readChild, type ReconcileDeps } from "./reconcile-context.js";
import { clusterPath, resourcePath } from "../runtime/resources.js";

type ClaimSpec = { storageClassName?: string; resources?: { requests?: { storage?: string } } };
const storageOf = (object: Record<string, unknown>): string | undefined => (object.spec as ClaimSpec | undefined)?.resources?.requests?.storage;

/**
 * Copies only a larger storage request onto the live claim: a claim never shrinks (Kubernetes
 * refuses it), and nothing else of its spec is ours to change once it is made.
 */
export const growStorageOnly: Copier = {
  difference: (desired, current) => {
    const want = parseQuantity(storageOf(desired)) ?? 0;
    return want > (parseQuantity(storageOf(current)) ?? 0) ? "spec.resources.requests.storage" : undefined;
  },
  update: (desired, current) => {
    const spec = (current.spec ?? {}) as ClaimSpec;
    return { ...current, spec: { ...spec, resources: { ...spec.resources, requests: { ...spec.resources?.requests, storage: storageOf(desired) } } } };
  },
};

/**
 * Creates the home volume, or relabels or grows it; returns a message when it cannot grow because
 * its StorageClass does not allow expansion (then it is left at its size).
 */
export async function ensureHomeVolume(deps: ReconcileDeps, sprite: Sprite, log: Logger): Promise<string | undefined> {
  const desired = desiredPvc(sprite);
  const { name } = desired.metadata;
  const namespace = desired.metadata.namespace ?? "";
  const existing = await readChild(deps, "persistentvolumeclaims", namespace, name);
  if (existing?.metadata.deletionTimestamp) {
    // A purged volume of an earlier Sprite with this name is still going: wait for it (retried with backoff).
    throw new Error(`PersistentVolumeClaim ${namespace}/${name} is still being deleted`);
  }
  const cannotGrow = existing ? await expansionRefusal(deps, existing, storageSize(sprite.spec)) : undefined;
  if (cannotGrow) desired.spec.resources.requests.storage = storageOf(existing!) ?? desired.spec.resources.requests.storage;
  // A retained volume without our labels (or a stale cache) is found by ensure's 409 path and used.
  const result = await ensure(deps.client, "persistentvolumeclaims", desired, growStorageOnly, deps.cache);
  if (result.action === "created") log.info("Created PersistentVolumeClaim", { pvc: name });
  if (result.difference === "spec.resources.requests.storage") {
    log.info("Expanded PersistentVolumeClaim", { pvc: name, from: existing ? storageOf(existing) : undefined, to: storageOf(result.object) });
  }
  return cannotGrow;
}

/** Why the claim cannot grow to `want`, when it would have to and its StorageClass forbids it. */
async function expansionRefusal(deps: ReconcileDeps, pvc: KubeObject, want: string): Promise<string | undefined> {
  const have = storageOf(pvc);
  if ((parseQuantity(want) ?? 0) <= (parseQuantity(have) ?? 0)) return undefined;
  const className = (pvc.spec as ClaimSpec | undefined)?.storageClassName;
  const storageClass = className ? await readObject(deps.client, clusterPath("storageclasses", className)) : undefined;
  if (storageClass?.allowVolumeExpansion === true) return undefined;
  return `The home volume stays at ${have}: StorageClass ${className ?? "(none)"} does not allow volume expansion to ${want}.`;
}

/** Records a home volume claim deleted by hand (condition, then event); returns the status as written. */
export async function reportHomeVolumeLoss(deps: ReconcileDeps, sprite: Sprite, current: SpriteStatus, now: Date, log: Logger): Promise<SpriteStatus> {
  const { name } = sprite.metadata;
  const namespace = sprite.metadata.namespace ?? "";
  const claim = childNames(name).pvc;
  const generation = sprite.metadata.generation ?? 0;
  const recorded = findCondition(current.conditions, CONDITION.homeVolumeLost);
  const isNews = (loss: ReturnType<typeof homeVolumeLoss>) => loss !== undefined && (recorded?.status !== "True" || recorded.reason !== loss.reason);
  if (!isNews(homeVolumeLoss(sprite, await readChild(deps, "persistentvolumeclaims", namespace, claim), claim, generation, recorded))) return current;
  // The watch may lag behind a claim made a moment ago: a loss is only believed from a fresh read.
  const loss = homeVolumeLoss(sprite, await readObject(deps.client, resourcePath("persistentvolumeclaims", namespace, claim)), claim, generation, recorded);
  if (!loss || !isNews(loss)) return current;
  const conditions = setCondition(current.conditions, loss, now);
  // A replaced claim is a new volume: the pods made next set it up again (layout, system, home).
  const status = { conditions, ...(loss.reason === REASON.homeVolumeLost ? { homeSetUpAt: null, volume: null } : {}) };
  const updated = await deps.client.request<Sprite>("PATCH", resourcePath(SPRITES, namespace, name, "status"), { body: { status } });
  log.warn("Lost the home volume claim", { pvc: claim, reason: loss.reason });
  await deps.events(sprite, "Warning", loss.reason, loss.message ?? "");
  return updated.status ?? current;
}
