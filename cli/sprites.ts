// Sprite API calls (and the pod events that explain them), each failure mapped to cause and fix.
import type { KubeClient, WatchEvent } from "../kube/client.js";
import { listWatch, type ObjectEvent } from "../kube/list-watch.js";
import { CORE, resourcePath } from "../kube/paths.js";
import { SPRITES, type Sprite, type SpriteSpec } from "../operator/api/index.js";
import { getSprite as readSprite } from "../sprite-client/sprites.js";
import { isStatus } from "../kube/errors.js";
import { toPuckError, type ErrorContext } from "./errors.js";

export interface Target {
  client: KubeClient;
  namespace: string;
  /** list and watch every namespace (-A); single-Sprite calls still use `namespace`. */
  allNamespaces?: boolean;
}

export interface SpriteList {
  items: Sprite[];
  metadata: { resourceVersion?: string };
}

/** The fields of a core Event that puck shows. */
export interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
  metadata: { creationTimestamp?: string };
  involvedObject: { kind?: string; name?: string };
}

const collection = (ns: string) => resourcePath(SPRITES, { namespace: ns });
const item = (ns: string, name: string) => resourcePath(SPRITES, { namespace: ns, name });
/** The Sprites a list or watch covers: the namespace, or every namespace with -A. */
const listPath = (t: Target) => resourcePath(SPRITES, { namespace: t.allNamespaces ? undefined : t.namespace });

async function call<T>(target: Target, ctx: Omit<ErrorContext, "namespace" | "server">, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toPuckError(error, { ...ctx, namespace: target.namespace, server: target.client.access.server });
  }
}

export const listSprites = (t: Target) =>
  call(t, { action: "list Sprites", verb: "list" }, () => t.client.request<SpriteList>("GET", listPath(t)));

export const getSprite = (t: Target, name: string) =>
  call(t, { action: `get Sprite ${name}`, verb: "get", sprite: name }, () =>
    readSprite(t.client, { namespace: t.namespace, name }),
  );

export const createSprite = (t: Target, sprite: Sprite) =>
  call(t, { action: `create Sprite ${sprite.metadata.name}`, verb: "create", sprite: sprite.metadata.name }, () =>
    t.client.request<Sprite>("POST", collection(t.namespace), { body: sprite }),
  );

/** A JSON merge patch on the spec: how every intent (wake, hibernate, keep awake) is written. */
export const patchSpec = (t: Target, name: string, spec: Partial<SpriteSpec>) =>
  call(t, { action: `update Sprite ${name}`, verb: "patch", sprite: name }, () =>
    t.client.request<Sprite>("PATCH", item(t.namespace, name), { body: { spec }, contentType: "application/merge-patch+json" }),
  );

/**
 * Read, change, write with the version read: a list in the spec (services, HTTP ports, network
 * allowances) changed by a concurrent writer is read again and changed anew, never overwritten.
 */
export async function updateSpec(t: Target, name: string, change: (sprite: Sprite) => Partial<SpriteSpec>, first?: Sprite): Promise<Sprite> {
  let sprite = first ?? (await getSprite(t, name));
  for (let attempt = 1; ; attempt++) {
    const body = { metadata: { resourceVersion: sprite.metadata.resourceVersion }, spec: change(sprite) };
    try {
      return await t.client.request<Sprite>("PATCH", item(t.namespace, name), { body, contentType: "application/merge-patch+json" });
    } catch (error) {
      if (attempt < 3 && isStatus(error, 409)) {
        sprite = await getSprite(t, name);
        continue;
      }
      throw toPuckError(error, { action: `update Sprite ${name}`, verb: "patch", sprite: name, namespace: t.namespace, server: t.client.access.server });
    }
  }
}

export const deleteSprite = (t: Target, name: string) =>
  call(t, { action: `delete Sprite ${name}`, verb: "delete", sprite: name }, () =>
    t.client.request<unknown>("DELETE", item(t.namespace, name)),
  );

/** Watches Sprites (one, when `name` is given) from `resourceVersion` until the server ends it. */
export function watchSprites(
  t: Target,
  options: { name?: string; resourceVersion?: string },
  onEvent: (event: WatchEvent<Sprite>) => void,
  signal: AbortSignal,
) {
  const query = { fieldSelector: options.name ? `metadata.name=${options.name}` : undefined, resourceVersion: options.resourceVersion };
  return call(t, { action: "watch Sprites", verb: "watch", ...(options.name ? { sprite: options.name } : {}) }, () =>
    t.client.watch<Sprite>(listPath(t), query, onEvent, signal),
  );
}

/**
 * Follows the Sprites `puck list -w` and `puck top` show, from the list they already made, until
 * `signal` aborts: the watch restarts when it ends or goes silent, a relist (after 410 Gone or a
 * failure) hands over every Sprite again, and each failure is told as one line before the retry.
 */
export function followSprites(
  t: Target,
  options: {
    resourceVersion: string | undefined;
    signal: AbortSignal;
    onList: (sprites: Sprite[]) => void;
    onEvent: (event: ObjectEvent<Sprite>) => void;
    onRetry: (message: string, retryInMs: number) => void;
  },
): Promise<void> {
  return listWatch<Sprite>({
    client: t.client,
    path: listPath(t),
    signal: options.signal,
    ...(options.resourceVersion ? { resourceVersion: options.resourceVersion } : {}),
    onList: options.onList,
    onEvent: options.onEvent,
    onError: (error, retryInMs) => {
      const mapped = toPuckError(error, { action: "watch Sprites", verb: "watch", namespace: t.namespace, server: t.client.access.server });
      options.onRetry(mapped instanceof Error ? mapped.message : String(mapped), retryInMs);
    },
  });
}

/** Events about one object (the Sprite, or its pod), oldest first. */
export async function listEvents(t: Target, kind: string, name: string): Promise<KubeEvent[]> {
  const query = { fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` };
  const list = await call(t, { action: `list events of ${kind} ${name}`, verb: "list", resource: "events" }, () =>
    t.client.request<{ items: KubeEvent[] }>("GET", resourcePath(CORE.events, { namespace: t.namespace }), { query }),
  );
  return list.items.sort(byEventTime);
}

export const byEventTime = (a: KubeEvent, b: KubeEvent) => (eventTime(a) < eventTime(b) ? -1 : eventTime(a) > eventTime(b) ? 1 : 0);

export const eventTime = (e: KubeEvent) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? "";
