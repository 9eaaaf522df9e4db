// One generic get/create/update-if-changed for the objects a controller owns.
import { firstDifference, isSubset } from "./compare.js";
import type { KubeClient, KubeObject } from "../../kube/client.js";
import { isStatus } from "../../kube/errors.js";
import { resourceName, resourcePath, type Resource } from "./resources.js";

export type EnsureAction = "created" | "updated" | "unchanged";

/** What the watches last saw. Reads from it save a GET; writes still carry resourceVersions, so a
 * stale entry costs a 409 and a fresh read, never a wrong write. */
export interface ObjectCache {
  /** undefined: the cache cannot say (not listed yet); null: listed, and the object is not there. */
  get(resource: Resource, namespace: string, name: string): KubeObject | null | undefined;
}

export type Desired = {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
} & Record<string, unknown>;

/**
 * How the part of an object the operator owns is compared and carried over: the first difference
 * (undefined: nothing to do) and the object to write, built from the live one.
 */
export interface Copier {
  difference(desired: Desired, current: KubeObject): string | undefined;
  update(desired: Desired, current: KubeObject): KubeObject;
}

/** An object by its path; undefined when it does not exist. */
export async function readObject(client: KubeClient, path: string): Promise<KubeObject | undefined> {
  try {
    return await client.request("GET", path);
  } catch (error) {
    if (isStatus(error, 404)) return undefined;
    throw new Error(`get ${path}`, { cause: error });
  }
}

export interface Ensured {
  object: KubeObject;
  action: EnsureAction;
  difference?: string;
}

/**
 * Makes the object match `desired` in the top-level fields `owned` names (e.g. ["spec"]), or as a
 * Copier says, and in its labels, annotations and owner references; anything else on it (defaults,
 * status, others' labels and annotations) is left alone. An update carries the resourceVersion it
 * read, so a concurrent change fails with 409 and the reconcile is retried from a fresh read.
 */
export async function ensure(
  client: KubeClient,
  resource: Resource,
  desired: Desired,
  owned: readonly string[] | Copier,
  cache?: ObjectCache,
): Promise<Ensured> {
  const { name, namespace } = desired.metadata;
  const path = resourcePath(resource, namespace ?? "", name);
  const copier = "update" in owned ? owned : copyFields(owned);
  const read = async (): Promise<KubeObject | null> => (await readObject(client, path)) ?? null;
  let current = cache?.get(resource, namespace ?? "", name);
  if (current === undefined) current = await read();
  for (let attempt = 1; ; attempt++) {
    try {
      if (current === null) {
        const object = await client.request("POST", resourcePath(resource, namespace), { body: desired });
        return { object, action: "created" };
      }
      const difference = metadataDifference(desired, current) ?? copier.difference(desired, current);
      if (difference === undefined) return { object: current, action: "unchanged" };
      const object = await client.request("PUT", path, { body: withMetadata(desired, copier.update(desired, current)) });
      return { object, action: "updated", difference };
    } catch (error) {
      // Our view was stale (it exists after all, or changed meanwhile): read it fresh and try once more.
      if (attempt === 1 && (isStatus(error, 409) || isStatus(error, 404))) {
        current = await read();
        continue;
      }
      throw new Error(`${current === null ? "create" : "update"} ${resourceName(resource)} ${namespace}/${name}`, { cause: error });
    }
  }
}

function metadataDifference(desired: Desired, current: KubeObject): string | undefined {
  const want = desired.metadata as KubeObject["metadata"];
  const have = current.metadata;
  const matches = isSubset(want.labels, have.labels) && isSubset(want.annotations, have.annotations) && isSubset(want.ownerReferences, have.ownerReferences);
  return matches ? undefined : "metadata";
}

/** The desired labels, annotations and owner references on an object to write; others' are kept. */
function withMetadata(desired: Desired, next: KubeObject): KubeObject {
  const want = desired.metadata as KubeObject["metadata"];
  return {
    ...next,
    metadata: {
      ...next.metadata,
      labels: { ...next.metadata.labels, ...want.labels },
      ...(want.annotations ? { annotations: { ...next.metadata.annotations, ...want.annotations } } : {}),
      ...(want.ownerReferences ? { ownerReferences: want.ownerReferences } : {}),
    },
  };
}

/** The Copier for whole top-level fields (e.g. ["spec"]), compared as a subset of the live object. */
export function copyFields(owned: readonly string[]): Copier {
  return {
    difference: (desired, current) => owned.map((field) => firstDifference(desired[field], current[field], field)).find((d) => d !== undefined),
    update: (desired, current) => {
      const next: KubeObject = { ...current };
      for (const field of owned) {
        const d = desired[field];
        const c = current[field];
        // Merge one level deep so server-assigned fields (a Service's clusterIPs) survive the update.
        next[field] = d && c && typeof d === "object" && typeof c === "object" && !Array.isArray(d) ? { ...c, ...d } : d;
      }
      return next;
    },
  };
}

/** Deletes an object; one that is already gone counts as deleted. */
export async function ensureDeleted(client: KubeClient, resource: Resource, namespace: string, name: string): Promise<boolean> {
  try {
    await client.request("DELETE", resourcePath(resource, namespace, name), { body: { propagationPolicy: "Background" } });
    return true;
  } catch (error) {
    if (isStatus(error, 404)) return false;
    throw new Error(`delete ${resourceName(resource)} ${namespace}/${name}`, { cause: error });
  }
}
