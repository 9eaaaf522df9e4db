// The reads and writes of one Sprite (and its pod) that every program makes the same way: get, find,
// request a wake, watch, and the pod's presence. Failures are the KubeErrors of kube/ as they come;
// each program says them in its own words (the CLI's PuckError, the gateway's refusals).
import type { KubeClient, WatchEvent } from "../kube/client.js";
import { isStatus } from "../kube/errors.js";
import { CORE, resourcePath } from "../kube/paths.js";
import { SPRITES, type PodSeen, type Sprite } from "../operator/api/index.js";
import type { SpriteRef } from "./sprite-ref.js";

const spritePath = (ref: SpriteRef) => resourcePath(SPRITES, { namespace: ref.namespace, name: ref.name });

export const getSprite = (client: KubeClient, ref: SpriteRef): Promise<Sprite> => client.request<Sprite>("GET", spritePath(ref));

/** The Sprite, or undefined when it does not exist (404); any other failure is thrown. */
export const findSprite = (client: KubeClient, ref: SpriteRef): Promise<Sprite | undefined> =>
  getSprite(client, ref).catch((error: unknown) => {
    if (isStatus(error, 404)) return undefined;
    throw error;
  });

/** Merge-patches spec.wakeRequestedAt; the answer is the Sprite as the API server stored it. */
export const requestWake = (client: KubeClient, ref: SpriteRef, at: Date): Promise<Sprite> =>
  client.request<Sprite>("PATCH", spritePath(ref), { body: { spec: { wakeRequestedAt: at.toISOString() } }, contentType: "application/merge-patch+json" });

/** Watches one Sprite from `resourceVersion` until the server ends the watch or `signal` aborts. */
export const watchSprite = (client: KubeClient, ref: SpriteRef, resourceVersion: string | undefined, onEvent: (event: WatchEvent<Sprite>) => void, signal: AbortSignal) =>
  client.watch<Sprite>(resourcePath(SPRITES, { namespace: ref.namespace }), { fieldSelector: `metadata.name=${ref.name}`, resourceVersion }, onEvent, signal);

type PodMeta = { metadata: { deletionTimestamp?: string; creationTimestamp?: string } };

/** What a pod read says: `pod` is undefined when the read found none (404). */
export function podSeen(pod: PodMeta | undefined): PodSeen {
  if (!pod) return { exists: false };
  const created = Date.parse(pod.metadata.creationTimestamp ?? "");
  return { exists: true, deleting: pod.metadata.deletionTimestamp !== undefined, ...(Number.isNaN(created) ? {} : { createdMs: created }) };
}

/** Whether a pod exists, is being deleted, and when it was made: what tells a stopped pod from a live one. */
export const podPresence = (client: KubeClient, namespace: string, pod: string): Promise<PodSeen> =>
  client.request<PodMeta>("GET", resourcePath(CORE.pods, { namespace, name: pod })).then(podSeen, (error: unknown) => {
    if (isStatus(error, 404)) return podSeen(undefined);
    throw error;
  });
