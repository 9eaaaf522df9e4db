// What every step of a reconcile is given, and its one way of reading a child: the cache, else the API.
import type { KubeClient, KubeObject } from "../../kube/client.js";
import type { UrlSettings } from "../api/index.js";
import type { DecideConfig } from "./decide.js";
import type { BuildConfig } from "./desired-objects.js";
import { readObject, type ObjectCache } from "../runtime/ensure.js";
import type { EventRecorder } from "../runtime/events.js";
import type { Logger } from "../runtime/logger.js";
import { resourcePath, type ResourceName } from "../runtime/resources.js";

/** The watches' cache, and a StatefulSet's FailedCreate events as last seen (undefined: it cannot say). */
export interface SpriteCache extends ObjectCache {
  failedCreates?(namespace: string, statefulSet: string): KubeObject[] | undefined;
  /** Every Node as the node watch last saw them; undefined before it has listed. */
  nodes?(): Iterable<KubeObject> | undefined;
  /** Every Sprite as the Sprite watch last saw them; undefined before it has listed. */
  sprites?(): Iterable<KubeObject> | undefined;
}

export interface ReconcileDeps {
  client: KubeClient;
  log: Logger;
  events: EventRecorder;
  config: BuildConfig & DecideConfig & { urls?: UrlSettings };
  now: () => Date;
  /** Children as the watches last saw them; without it every read is a GET. */
  cache?: SpriteCache;
}

/** A child from the cache when it can say, else from the API; undefined when it does not exist. */
export async function readChild(deps: ReconcileDeps, resource: ResourceName, namespace: string, name: string): Promise<KubeObject | undefined> {
  const cached = deps.cache?.get(resource, namespace, name);
  if (cached !== undefined) return cached ?? undefined;
  return readObject(deps.client, resourcePath(resource, namespace, name));
}
