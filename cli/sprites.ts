// Sprite API calls (and the pod events that explain them), each failure mapped to cause and fix.
import { GROUP, PLURAL, VERSION, type Sprite, type SpriteSpec } from "../operator/api/index.js";
import { KubeHttpError, toPuckError, type ErrorContext } from "./errors.js";
import type { KubeClient, WatchEvent } from "./kube-client.js";

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

const collection = (ns: string) => `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(ns)}/${PLURAL}`;
const item = (ns: string, name: string) => `${collection(ns)}/${encodeURIComponent(name)}`;
const listPath = (t: Target) => (t.allNamespaces ? `/apis/${GROUP}/${VERSION}/${PLURAL}` : collection(t.namespace));

async function call<T>(target: Target, ctx: Omit<ErrorContext, "namespace" | "server">, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toPuckError(error, { ...ctx, namespace: target.namespace, server: target.client.access.server });
  }
}

export const listSprites = (t: Target) =>
  call(t, { action: "list Sprites", verb: "list" }, () => t.client.request<SpriteList>("GET", listPath(t), "list Sprites"));

export const getSprite = (t: Target, name: string) =>
  call(t, { action: `get Sprite ${name}`, verb: "get", sprite: name }, () =>
    t.client.request<Sprite>("GET", item(t.namespace, name), `get Sprite ${name}`),
  );

/** The Sprite, or undefined when it does not exist (any other failure is thrown). */
export async function findSprite(t: Target, name: string): Promise<Sprite | undefined> {
  try {
    return await t.client.request<Sprite>("GET", item(t.namespace, name), `get Sprite ${name}`);
  } catch (error) {
    if (error instanceof KubeHttpError && error.statusCode === 404 && error.isStatus) return undefined;
    throw toPuckError(error, { action: `get Sprite ${name}`, verb: "get", sprite: name, namespace: t.namespace, server: t.client.access.server });
  }
}

/** Whether a pod exists, is being deleted, and when it was made: what tells a stopped pod from a live one. */
export async function podPresence(t: Target, pod: string): Promise<{ exists: boolean; deleting?: boolean; createdMs?: number }> {
  try {
    const found = await t.client.request<{ metadata: { deletionTimestamp?: string; creationTimestamp?: string } }>(
      "GET",
      `/api/v1/namespaces/${encodeURIComponent(t.namespace)}/pods/${encodeURIComponent(pod)}`,
      `get pod ${pod}`,
    );
    const created = Date.parse(found.metadata.creationTimestamp ?? "");
    return { exists: true, deleting: found.metadata.deletionTimestamp !== undefined, ...(Number.isNaN(created) ? {} : { createdMs: created }) };
  } catch (error) {
    if (error instanceof KubeHttpError && error.statusCode === 404) return { exists: false };
    throw toPuckError(error, { action: `get pod ${pod}`, verb: "get", resource: "pods", namespace: t.namespace, server: t.client.access.server });
  }
}

export const createSprite = (t: Target, sprite: Sprite) =>
  call(t, { action: `create Sprite ${sprite.metadata.name}`, verb: "create", sprite: sprite.metadata.name }, () =>
    t.client.request<Sprite>("POST", collection(t.namespace), `create Sprite ${sprite.metadata.name}`, sprite),
  );

/** A JSON merge patch on the spec: how every intent (wake, hibernate, keep awake) is written. */
export const patchSpec = (t: Target, name: string, spec: Partial<SpriteSpec>) =>
  call(t, { action: `update Sprite ${name}`, verb: "patch", sprite: name }, () =>
    t.client.request<Sprite>("PATCH", item(t.namespace, name), `patch Sprite ${name}`, { spec }, "application/merge-patch+json"),
  );

export const deleteSprite = (t: Target, name: string) =>
  call(t, { action: `delete Sprite ${name}`, verb: "delete", sprite: name }, () =>
    t.client.request<unknown>("DELETE", item(t.namespace, name), `delete Sprite ${name}`),
  );

/** Watches Sprites (one, when `name` is given) from `resourceVersion` until the server ends it. */
export function watchSprites(
  t: Target,
  options: { name?: string; resourceVersion?: string },
  onEvent: (event: WatchEvent<Sprite>) => void,
  signal: AbortSignal,
) {
  const query = new URLSearchParams({ watch: "1" });
  if (options.name) query.set("fieldSelector", `metadata.name=${options.name}`);
  if (options.resourceVersion) query.set("resourceVersion", options.resourceVersion);
  return call(t, { action: "watch Sprites", verb: "watch", ...(options.name ? { sprite: options.name } : {}) }, () =>
    t.client.watch<Sprite>(`${listPath(t)}?${query}`, "watch Sprites", onEvent, signal),
  );
}

/** Events about one object (the Sprite, or its pod), oldest first. */
export async function listEvents(t: Target, kind: string, name: string): Promise<KubeEvent[]> {
  const query = new URLSearchParams({ fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` });
  const list = await call(t, { action: `list events of ${kind} ${name}`, verb: "list", resource: "events" }, () =>
    t.client.request<{ items: KubeEvent[] }>("GET", `/api/v1/namespaces/${encodeURIComponent(t.namespace)}/events?${query}`, "list events"),
  );
  return list.items.sort(byEventTime);
}

export const byEventTime = (a: KubeEvent, b: KubeEvent) => (eventTime(a) < eventTime(b) ? -1 : eventTime(a) > eventTime(b) ? 1 : 0);

export const eventTime = (e: KubeEvent) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? "";
