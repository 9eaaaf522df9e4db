// One controller: while started, its watches enqueue keys and its workers take each key to
// reconcile(key), rechecking when the reconcile asks and backing off when it fails. It knows no
// resource: a controller is given its watches and its reconcile (operator/sprite/controller.ts, the Sprite's).
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import type { ResourceWatch } from "./resource-watch.js";
import { WorkQueue } from "./work-queue.js";

export interface ReconcileOutcome {
  /** When to reconcile the key again though nothing changed. */
  recheckAt?: Date;
}

export interface ControllerSpec {
  /** The kind it reconciles, for logs: "Sprite". */
  kind: string;
  workers: number;
  /** The watches of one run, made afresh at each start(); their handlers add keys to `queue`. */
  watches(queue: WorkQueue): ResourceWatch[];
  reconcile(key: string): Promise<ReconcileOutcome>;
  /** The kind's own gauges, read when scraped. */
  gauges?: { name: string; help: string; read: () => { labels: Record<string, string>; value: number }[] }[];
}

/**
 * Runs watches and workers while started; stop() ends them and start() begins afresh (new queue,
 * new watches), so leadership lost while the API server was away can be regained in-process.
 */
export class Controller {
  queue = new WorkQueue();
  private watches: ResourceWatch[] = [];
  private workers: Promise<void>[] = [];
  private running = false;

  constructor(
    private readonly spec: ControllerSpec,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {
    metrics.addGauge("puck_workqueue_depth", "Keys waiting in the work queue.", () => [
      { labels: {}, value: this.queue.depth },
    ]);
    metrics.addGauge("puck_workqueue_delayed", "Keys waiting for a timed recheck.", () => [
      { labels: {}, value: this.queue.delayedCount },
    ]);
    for (const { name, help, read } of spec.gauges ?? []) metrics.addGauge(name, help, read);
    metrics.addGauge("puck_watch_synced", "Whether each watch has listed and is watching.", () =>
      this.watches.map((w) => ({ labels: { resource: w.resource }, value: w.synced ? 1 : 0 })),
    );
    metrics.addGauge("puck_leading", "Whether this replica reconciles (1) or stands by (0).", () => [
      { labels: {}, value: this.running ? 1 : 0 },
    ]);
  }

  /** All watches have listed at least once. */
  get synced(): boolean {
    return this.running && this.watches.every((w) => w.synced);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.queue = new WorkQueue();
    const queue = this.queue;
    this.watches = this.spec.watches(queue);
    for (const watch of this.watches) void watch.run();
    this.workers = Array.from({ length: this.spec.workers }, () => this.work(queue));
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const watch of this.watches) watch.stop();
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  private async work(queue: WorkQueue): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const started = performance.now();
      try {
        const result = await this.spec.reconcile(key);
        this.metrics.reconcileTotal.inc({ result: "success" });
        queue.forget(key);
        // A few ms late rather than early: a timer that fires before the deadline would find nothing to do.
        if (result.recheckAt) queue.addAfter(key, result.recheckAt.getTime() - this.now().getTime() + 5);
      } catch (error) {
        this.metrics.reconcileTotal.inc({ result: "error" });
        const delay = queue.addRateLimited(key);
        this.log.warn(`Failed to reconcile ${this.spec.kind}`, { key, retryInMs: delay, error });
      } finally {
        this.metrics.reconcileDuration.observe((performance.now() - started) / 1000);
        queue.done(key);
      }
    }
  }
}
