// Connects watches to the work queue and the queue to reconcile(); owns the queue's workers.
import { LABELS, PHASES, type Sprite } from "./api/index.js";
import { FAILED_CREATE_SELECTOR, eventSpriteKey } from "./create-failure.js";
import { MANAGED_SELECTOR } from "./desired-objects.js";
import { nodeReadinessWatch } from "./node-watch.js";
import type { ObjectCache } from "./runtime/ensure.js";
import type { KubeClient, KubeObject } from "../kube/client.js";
import type { Metrics } from "./runtime/metrics.js";
import { reconcile, type ReconcileDeps } from "./reconciler.js";
import { ResourceWatch } from "./runtime/resource-watch.js";
import type { ResourceName } from "./runtime/resources.js";
import { WorkQueue } from "./runtime/work-queue.js";

const CHILD_RESOURCES: ResourceName[] = [
  "statefulsets",
  "pods",
  "services",
  "persistentvolumeclaims",
  "serviceaccounts",
  "roles",
  "rolebindings",
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

/**
 * Runs watches and workers while started; stop() ends them and start() begins afresh (new queue,
 * new watches), so leadership lost while the API server was away can be regained in-process.
 */
export class Controller {
  queue = new WorkQueue();
  private watches: ResourceWatch[] = [];
  private spriteWatch: ResourceWatch | undefined;
  /** FailedCreate events of StatefulSets: admission refusing a Sprite's pod leaves no other trace. */
  private failedCreateWatch: ResourceWatch | undefined;
  /** Nodes: their readiness (operator/node-watch.ts). */
  private nodeWatch: ResourceWatch | undefined;
  private workers: Promise<void>[] = [];
  private running = false;

  constructor(
    private readonly client: KubeClient,
    private readonly deps: ReconcileDeps,
    private readonly metrics: Metrics,
    private readonly options: ControllerOptions,
  ) {
    metrics.addGauge("puck_workqueue_depth", "Keys waiting in the work queue.", () => [
      { labels: {}, value: this.queue.depth },
    ]);
    metrics.addGauge("puck_workqueue_delayed", "Keys waiting for a timed recheck.", () => [
      { labels: {}, value: this.queue.delayedCount },
    ]);
    metrics.addGauge("puck_sprites", "Sprites by phase, as last seen.", () => this.spritesByPhase());
    metrics.addGauge("puck_watch_synced", "Whether each watch has listed and is watching.", () =>
      this.watches.map((w) => ({ labels: { resource: w.resource }, value: w.synced ? 1 : 0 })),
    );
    metrics.addGauge("puck_leading", "Whether this replica reconciles (1) or stands by (0).", () => [
      { labels: {}, value: this.running ? 1 : 0 },
    ]);
  }

  /** Children as the watches last saw them, once each watch has listed. */
  private readonly cache: ObjectCache = {
    get: (resource, namespace, name) => {
      const i = CHILD_RESOURCES.indexOf(resource);
      const watch = resource === "nodes" ? this.nodeWatch : i >= 0 ? this.watches[i + 1] : undefined;
      if (!watch?.synced) return undefined;
      return watch.get(namespace, name) ?? null;
    },
    failedCreates: (namespace, statefulSet) => {
      const watch = this.failedCreateWatch;
      if (!watch?.synced) return undefined;
      return [...watch.objects].filter((e) => eventSpriteKey(e) === `${namespace}/${statefulSet}`);
    },
  };

  /** All watches have listed at least once. */
  get synced(): boolean {
    return this.running && this.watches.every((w) => w.synced);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const { client, metrics, options } = this;
    const log = this.deps.log;
    const namespace = options.namespace;
    this.queue = new WorkQueue();
    const queue = this.queue;
    this.spriteWatch = new ResourceWatch(
      client,
      { resource: "sprites", ...(namespace ? { namespace } : {}), resyncMs: options.resyncMs },
      (object) => queue.add(`${object.metadata.namespace}/${object.metadata.name}`),
      log,
      metrics,
    );
    this.watches = [this.spriteWatch];
    for (const resource of CHILD_RESOURCES) {
      this.watches.push(
        new ResourceWatch(
          client,
          { resource, ...(namespace ? { namespace } : {}), labelSelector: MANAGED_SELECTOR, resyncMs: options.resyncMs },
          (object, deleted, previous) => {
            const key = ownerKey(object);
            if (key && childChangeMatters(resource, object, deleted, previous)) queue.add(key);
          },
          log,
          metrics,
        ),
      );
    }
    // Events carry no labels of ours: the field selector keeps this watch to refusals of StatefulSets,
    // and a Sprite's StatefulSet has its name.
    this.failedCreateWatch = new ResourceWatch(
      client,
      { resource: "events", ...(namespace ? { namespace } : {}), fieldSelector: FAILED_CREATE_SELECTOR, resyncMs: options.resyncMs },
      (object, deleted) => {
        const key = eventSpriteKey(object);
        if (key && !deleted) queue.add(key);
      },
      log,
      metrics,
    );
    this.watches.push(this.failedCreateWatch);
    const pods = () => this.watches[CHILD_RESOURCES.indexOf("pods") + 1]?.objects ?? [];
    const sprites = () => this.spriteWatch?.objects ?? [];
    this.nodeWatch = nodeReadinessWatch(client, options.resyncMs, pods, sprites, ownerKey, (key) => queue.add(key), log, metrics);
    this.watches.push(this.nodeWatch);
    for (const watch of this.watches) void watch.run();
    this.workers = Array.from({ length: options.workers }, () => this.work(queue));
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const watch of this.watches) watch.stop();
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  private spritesByPhase() {
    const counts = new Map<string, number>(PHASES.map((p) => [p, 0]));
    counts.set("Unknown", 0);
    for (const object of this.spriteWatch?.objects ?? []) {
      const phase = (object as unknown as Sprite).status?.phase ?? "Unknown";
      counts.set(phase, (counts.get(phase) ?? 0) + 1);
    }
    return [...counts].map(([phase, value]) => ({ labels: { phase }, value }));
  }

  private async work(queue: WorkQueue): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const started = performance.now();
      try {
        const result = await reconcile(key, { ...this.deps, cache: this.cache });
        this.metrics.reconcileTotal.inc({ result: "success" });
        queue.forget(key);
        // A few ms late rather than early: a timer that fires before the deadline would find nothing to do.
        if (result.recheckAt) queue.addAfter(key, result.recheckAt.getTime() - this.deps.now().getTime() + 5);
      } catch (error) {
        this.metrics.reconcileTotal.inc({ result: "error" });
        const delay = queue.addRateLimited(key);
        this.deps.log.warn("Failed to reconcile Sprite", { key, retryInMs: delay, error });
      } finally {
        this.metrics.reconcileDuration.observe((performance.now() - started) / 1000);
        queue.done(key);
      }
    }
  }
}
