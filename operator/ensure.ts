// One generic get/create/update-if-changed for the objects the operator owns.
import { firstDifference, isSubset } from "./compare.js";
import type { KubeClient, KubeObject } from "../kube/client.js";
import { isStatus } from "../kube/errors.js";
import { resourcePath, type ResourceName } from "./resources.js";

export type EnsureAction = "created" | "updated" | "unchanged";

/** What the watches last saw. Reads from it save a GET; writes still carry resourceVersions, so a
 * stale entry costs a 409 and a fresh read, never a wrong write. */
export interface ObjectCache {
  /** undefined: the cache cannot say (not listed yet); null: listed, and the object is not there. */
  get(resource: ResourceName, namespace: string, name: string): KubeObject | null | undefined;
  /** The StatefulSet's FailedCreate events as last seen; undefined: the cache cannot say. */
  failedCreates?(namespace: string, statefulSet: string): KubeObject[] | undefined;
}

type Desired = { metadata: { name: string; namespace?: string; labels?: Record<string, string> } } & Record<string, unknown>;

/**
 * Makes the object match `desired` in the top-level fields `owned` names (e.g. ["spec"]) and in
 * its labels and owner references; anything else on it (defaults, status, others' annotations) is
 * left alone. An update carries the resourceVersion it read, so a concurrent change fails with 409
 * and the reconcile is retried from a fresh read.
 */
export async function ensure(
  client: KubeClient,
  resource: ResourceName,
  desired: Desired,
  owned: readonly string[],
  cache?: ObjectCache,
): Promise<{ object: KubeObject; action: EnsureAction; difference?: string }> {
  const { name, namespace } = desired.metadata;
  const path = resourcePath(resource, namespace ?? "", name);
  const read = async (): Promise<KubeObject | null> => {
    try {
      return await client.request("GET", path);
    } catch (error) {
      if (isStatus(error, 404)) return null;
      throw new Error(`get ${resource} ${namespace}/${name}`, { cause: error });
    }
  };
  let current = cache?.get(resource, namespace ?? "", name);
  if (current === undefined) current = await read();
  for (let attempt = 1; ; attempt++) {
    try {
      if (current === null) {
        const object = await client.request("POST", resourcePath(resource, namespace), { body: desired });
        return { object, action: "created" };
      }
      const difference = differenceOf(desired, current, owned);
      if (difference === undefined) return { object: current, action: "unchanged" };
      const object = await client.request("PUT", path, { body: updated(desired, current, owned) });
      return { object, action: "updated", difference };
    } catch (error) {
      // Our view was stale (it exists after all, or changed meanwhile): read it fresh and try once more.
      if (attempt === 1 && (isStatus(error, 409) || isStatus(error, 404))) {
        current = await read();
        continue;
      }
      throw new Error(`${current === null ? "create" : "update"} ${resource} ${namespace}/${name}`, { cause: error });
    }
  }
}

function differenceOf(desired: Desired, current: KubeObject, owned: readonly string[]): string | undefined {
  const desiredMeta = desired.metadata as KubeObject["metadata"];
  const metaMatches =
    isSubset(desiredMeta.labels, current.metadata.labels) && isSubset(desiredMeta.ownerReferences, current.metadata.ownerReferences);
  if (!metaMatches) return "metadata";
  return owned.map((field) => firstDifference(desired[field], current[field], field)).find((d) => d !== undefined);
}

function updated(desired: Desired, current: KubeObject, owned: readonly string[]): KubeObject {
  const desiredMeta = desired.metadata as KubeObject["metadata"];
  const next: KubeObject = {
    ...current,
    metadata: {
      ...current.metadata,
      labels: { ...current.metadata.labels, ...desiredMeta.labels },
      ...(desiredMeta.ownerReferences ? { ownerReferences: desiredMeta.ownerReferences } : {}),
    },
  };
  for (const field of owned) {
    const d = desired[field];
    const c = current[field];
    // Merge one level deep so server-assigned fields (a Service's clusterIPs) survive the update.
    next[field] = d && c && typeof d === "object" && typeof c === "object" && !Array.isArray(d) ? { ...c, ...d } : d;
  }
  return next;
}

/** Deletes an object; one that is already gone counts as deleted. */
export async function ensureDeleted(client: KubeClient, resource: ResourceName, namespace: string, name: string): Promise<boolean> {
  try {
    await client.request("DELETE", resourcePath(resource, namespace, name), { body: { propagationPolicy: "Background" } });
    return true;
  } catch (error) {
    if (isStatus(error, 404)) return false;
    throw new Error(`delete ${resource} ${namespace}/${name}`, { cause: error });
  }
}
