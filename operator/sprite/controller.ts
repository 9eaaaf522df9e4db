// The Sprite's controller: which watches bring a Sprite to a reconcile (the Sprite, its children by
// label, its StatefulSet's FailedCreate events, Nodes), and the cache they keep; the runtime runs it.
import { LABELS, PHASES, SPRITES, allowedSprites, type Sprite } from "../api/index.js";
import { FAILED_CREATE_SELECTOR, eventSpriteKey } from "./create-failure.js";
import { MANAGED_SELECTOR } from "./desired-objects.js";
import { nodeReadinessWatch } from "./node-watch.js";
import type { KubeClient, KubeObject } from "../../kube/client.js";
import { Controller } from "../runtime/controller.js";
import type { Metrics } from "../runtime/metrics.js";
import type { SpriteCache } from "./reconcile-context.js";
import { reconcile, type ReconcileDeps } from "./reconciler.js";
import { ResourceWatch } from "../runtime/resource-watch.js";
import type { ResourceName } from "../runtime/resources.js";
import type { WorkQueue } from "../runtime/work-queue.js";

const CHILD_RESOURCES: ResourceName[] = [
  "statefulsets",
  "pods",
  "services",
  "persistentvolumeclaims",
  "serviceaccounts",
  "roles",
  "rolebindings",
  "networkpolicies",
];

export interface ControllerOptions {
  namespace?: string;
  workers: number;
  resyncMs: number;
}

/**
 * Whether a child's change can matter to its Sprite. A StatefulSet's status churns (the controller
 * rewrites it) but the operator reads pod readiness from the pod, so only spec or metadata changes
 * of a StatefulSet — which bump its generation or labels — are worth a reconcile.
 */
export function childChangeMatters(resource: ResourceName, object: KubeObject, deleted: boolean, previous?: KubeObject): boolean {
  if (deleted || !previous || resource !== "statefulsets") return true;
  return (
    previous.metadata.generation !== object.metadata.generation ||
    JSON.stringify(previous.metadata.labels) !== JSON.stringify(object.metadata.labels) ||
    JSON.stringify(previous.metadata.ownerReferences) !== JSON.stringify(object.metadata.ownerReferences)
  );
}

/** The Sprite a child belongs to, from its label: children only ever enqueue their owner's key. */
export const ownerKey = (object: KubeObject): string | undefined => {
  const sprite = object.metadata.labels?.[LABELS.sprite];
  return sprite && object.metadata.namespace ? `${object.metadata.namespace}/${sprite}` : undefined;
};

/** The Sprite controller: started and stopped by main.ts as leadership comes and goes. */
export function spriteController(client: KubeClient, deps: ReconcileDeps, metrics: Metrics, options: ControllerOptions): Controller {
  const { namespace, resyncMs } = options;
  const log = deps.log;
  // The watches of the current run (the runtime makes them afresh at each start).
  let spriteWatch: ResourceWatch | undefined;
  let childWatches: ResourceWatch[] = [];
  /** FailedCreate events of StatefulSets: admission refusing a Sprite's pod leaves no other trace. */
  let failedCreateWatch: ResourceWatch | undefined;
  /** Nodes: their readiness (operator/sprite/node-watch.ts). */
  let nodeWatch: ResourceWatch | undefined;

  /** Children as the watches last saw them, once each watch has listed. */
  const cache: SpriteCache = {
    get: (resource, namespace, name) => {
      const i = CHILD_RESOURCES.findIndex((r) => r === resource);
      const watch = resource === "nodes" ? nodeWatch : i >= 0 ? childWatches[i] : undefined;
      if (!watch?.synced) return undefined;
      return watch.get(namespace, name) ?? null;
    },
    failedCreates: (namespace, statefulSet) => {
      const watch = failedCreateWatch;
      if (!watch?.synced) return undefined;
      return [...watch.objects].filter((e) => eventSpriteKey(e) === `${namespace}/${statefulSet}`);
    },
    nodes: () => (nodeWatch?.synced ? nodeWatch.objects : undefined),
    sprites: () => (spriteWatch?.synced ? spriteWatch.objects : undefined),
  };

  const watches = (queue: WorkQueue): ResourceWatch[] => {
    spriteWatch = new ResourceWatch(
      client,
      { resource: SPRITES, ...(namespace ? { namespace } : {}), resyncMs },
      (object, _deleted, previous) => {
        queue.add(`${object.metadata.namespace}/${object.metadata.name}`);
        // A Sprite allowed to reach another, or no longer: the other's policy lets it in, or not.
        for (const s of [object, previous]) for (const key of allowedSprites((s as unknown as Sprite | undefined)?.spec ?? {}, object.metadata.namespace ?? "")) queue.add(key);
      },
      log,
      metrics,
    );
    childWatches = CHILD_RESOURCES.map(
      (resource) =>
        new ResourceWatch(
          client,
          { resource, ...(namespace ? { namespace } : {}), labelSelector: MANAGED_SELECTOR, resyncMs },
          (object, deleted, previous) => {
            const key = ownerKey(object);
            if (key && childChangeMatters(resource, object, deleted, previous)) queue.add(key);
          },
          log,
          metrics,
        ),
    );
    // Events carry no labels of ours: the field selector keeps this watch to refusals of StatefulSets,
    // and a Sprite's StatefulSet has its name.
    failedCreateWatch = new ResourceWatch(
      client,
      { resource: "events", ...(namespace ? { namespace } : {}), fieldSelector: FAILED_CREATE_SELECTOR, resyncMs },
      (object, deleted) => {
        const key = eventSpriteKey(object);
        if (key && !deleted) queue.add(key);
      },
      log,
      metrics,
    );
    const pods = () => childWatches[CHILD_RESOURCES.indexOf("pods")]?.objects ?? [];
    const sprites = () => spriteWatch?.objects ?? [];
    nodeWatch = nodeReadinessWatch(client, resyncMs, pods, sprites, ownerKey, (key) => queue.add(key), log, metrics);
    return [spriteWatch, ...childWatches, failedCreateWatch, nodeWatch];
  };

  const spritesByPhase = () => {
    const counts = new Map<string, number>(PHASES.map((p) => [p, 0]));
    counts.set("Unknown", 0);
    for (const object of spriteWatch?.objects ?? []) {
      const phase = (object as unknown as Sprite).status?.phase ?? "Unknown";
      counts.set(phase, (counts.get(phase) ?? 0) + 1);
    }
    return [...counts].map(([phase, value]) => ({ labels: { phase }, value }));
  };

  return new Controller(
    {
      kind: "Sprite",
      workers: options.workers,
      watches,
      reconcile: (key) => reconcile(key, { ...deps, cache }),
      gauges: [{ name: "puck_sprites", help: "Sprites by phase, as last seen.", read: spritesByPhase }],
    },
    metrics,
    log,
    deps.now,
  );
}
