// A supervised list+watch of one resource: relists on 410 Gone, restarts with backoff after errors,
// resyncs periodically, and reports each object's key — never acting on the payload itself.
import { isStatus, type KubeClient, type KubeList, type KubeObject } from "./kube-client.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import { resourcePath, type ResourceName } from "./resources.js";

export interface WatchOptions {
  resource: ResourceName;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Relist this often even if nothing went wrong, so missed events cannot be missed for long. */
  resyncMs: number;
}

/** `previous` is the object as last seen before this event, when there was one. */
export type ObjectHandler = (object: KubeObject, deleted: boolean, previous?: KubeObject) => void;

class Gone extends Error {}

const keyOf = (object: KubeObject) => `${object.metadata.namespace ?? ""}/${object.metadata.name}`;

/** managedFields are often the bulk of an object and never read here; an update that omits them
 * keeps the server's, so the cache drops them (a third of the memory for 300 Sprites). */
const slim = (object: KubeObject): KubeObject => {
  const metadata = object.metadata as KubeObject["metadata"] & { managedFields?: unknown };
  if (metadata.managedFields === undefined) return object;
  const { managedFields: _dropped, ...rest } = metadata;
  return { ...object, metadata: rest };
};

export class ResourceWatch {
  synced = false;
  lastError: string | undefined;
  /** namespace/name → object, as last seen: a read cache, and lets a relist report objects deleted
   * while we were not watching. */
  private readonly known = new Map<string, KubeObject>();
  private readonly abort = new AbortController();

  constructor(
    private readonly client: KubeClient,
    private readonly options: WatchOptions,
    private readonly onObject: ObjectHandler,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  get objects(): IterableIterator<KubeObject> {
    return this.known.values();
  }

  /** The object as last seen, or undefined if the watch has not seen it (or has not listed yet). */
  get(namespace: string, name: string): KubeObject | undefined {
    return this.known.get(`${namespace}/${name}`);
  }

  stop(): void {
    this.abort.abort();
  }

  /** Runs until stop(); never throws. */
  async run(): Promise<void> {
    const { resource } = this.options;
    let backoffMs = 500;
    while (!this.abort.signal.aborted) {
      try {
        let resourceVersion = await this.list();
        const relistAt = Date.now() + this.options.resyncMs;
        backoffMs = 500;
        while (!this.abort.signal.aborted && Date.now() < relistAt) {
          // Server-side watch timeouts of at most 5 minutes, like client-go's, bound how long a dead
          // connection can go unnoticed (see KubeClient.watch).
          const untilRelist = Math.max(1, Math.round((relistAt - Date.now()) / 1000));
          resourceVersion = await this.watchOnce(resourceVersion, Math.min(300, untilRelist));
        }
      } catch (error) {
        if (this.abort.signal.aborted) break;
        this.metrics.watchRestarts.inc({ resource });
        if (error instanceof Gone) {
          this.log.info("Relisted after the watch expired", { resource });
          continue;
        }
        this.lastError = String(error instanceof Error ? error.message : error);
        // Not synced until it has listed again: /readyz and the cache both stop trusting it.
        this.synced = false;
        this.log.warn("Restarting a failed watch", { resource, backoffMs, error });
        await new Promise((resolve) => {
          const t = setTimeout(resolve, backoffMs);
          this.abort.signal.addEventListener("abort", () => {
            clearTimeout(t);
            resolve(undefined);
          });
        });
        backoffMs = Math.min(backoffMs * 2, 30_000);
      }
    }
  }

  private path(): string {
    return resourcePath(this.options.resource, this.options.namespace);
  }

  private async list(): Promise<string> {
    const seen = new Map<string, KubeObject>();
    let cont: string | undefined;
    let resourceVersion: string;
    do {
      const page = await this.client.request<KubeList>("GET", this.path(), {
        query: { labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector, limit: 500, continue: cont },
      });
      for (const item of page.items) seen.set(keyOf(item), slim(item));
      cont = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion;
    } while (cont);
    for (const [key, object] of this.known) if (!seen.has(key)) this.onObject(object, true);
    this.known.clear();
    for (const [key, object] of seen) {
      this.known.set(key, object);
      this.onObject(object, false);
    }
    this.synced = true;
    this.lastError = undefined;
    return resourceVersion;
  }

  private async watchOnce(resourceVersion: string, timeoutSeconds: number): Promise<string> {
    let rv = resourceVersion;
    try {
      await this.client.watch(
        this.path(),
        { labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector, resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds },
        (event) => {
          if (event.type === "ERROR") {
            const status = event.object as unknown as { code?: number; message?: string };
            if (status.code === 410) throw new Gone(status.message ?? "410 Gone");
            throw new Error(`watch error ${status.code}: ${status.message}`);
          }
          this.metrics.watchEvents.inc({ resource: this.options.resource, type: event.type });
          rv = event.object.metadata.resourceVersion ?? rv;
          if (event.type === "BOOKMARK") return;
          const object = slim(event.object);
          const key = keyOf(object);
          const previous = this.known.get(key);
          if (event.type === "DELETED") this.known.delete(key);
          else this.known.set(key, object);
          this.onObject(object, event.type === "DELETED", previous);
        },
        this.abort.signal,
      );
    } catch (error) {
      if (isStatus(error, 410)) throw new Gone("410 Gone");
      if (error instanceof Error && error.cause instanceof Gone) throw error.cause;
      throw error;
    }
    return rv;
  }
}
