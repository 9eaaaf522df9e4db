// The one list+watch loop: list, watch from the list's resourceVersion with bookmarks and a server-side
// timeout, re-watch when a watch ends or goes silent, relist on 410 Gone, and back off with jitter
// after failures.
import { Backoff, sleep } from "./backoff.js";
import type { KubeClient, KubeList, WatchEvent } from "./client.js";
import { isReason, isStatus, LOCAL_REASON } from "./errors.js";

export type ObjectEvent<T> = { type: "ADDED" | "MODIFIED" | "DELETED"; object: T };

/** What one watch event asks of the loop. Pure, so its rules are tested on their own. */
export type EventStep<T> =
  | { kind: "deliver"; event: ObjectEvent<T>; resourceVersion: string | undefined }
  | { kind: "bookmark"; resourceVersion: string | undefined }
  | { kind: "gone" }
  | { kind: "error"; message: string };

export function stepOf<T extends { metadata?: { resourceVersion?: string } }>(event: WatchEvent<T>): EventStep<T> {
  switch (event.type) {
    case "ADDED":
    case "MODIFIED":
    case "DELETED":
      return { kind: "deliver", event: { type: event.type, object: event.object }, resourceVersion: event.object.metadata?.resourceVersion };
    case "BOOKMARK":
      return { kind: "bookmark", resourceVersion: event.object.metadata?.resourceVersion };
    case "ERROR": {
      // An ERROR event carries a Status: 410 means our resourceVersion is too old to watch from.
      const status = event.object as unknown as { code?: number; message?: string };
      if (status.code === 410) return { kind: "gone" };
      return { kind: "error", message: `watch error ${status.code ?? "?"}: ${status.message ?? "no message"}` };
    }
    default:
      return { kind: "error", message: `unknown watch event type ${String((event as { type: unknown }).type)}` };
  }
}

export interface ListWatchOptions<T extends Listed> {
  client: KubeClient;
  /** The collection's path (see resourcePath). */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  signal: AbortSignal;
  /** Every (re)list: the full set of objects, replacing whatever was known before. */
  onList: (items: T[], resourceVersion: string) => void;
  /** Every change seen by a watch, in order. */
  onEvent: (event: ObjectEvent<T>) => void;
  /** A failure about to be retried after `retryInMs`. The loop itself never throws. */
  onError?: (error: unknown, retryInMs: number) => void;
  /**
   * A watch that ended: normally, with 410 Gone ("gone": a relist follows), or with no byte for its
   * silence timeout ("silent": its connection is taken for dead, and a new watch resumes from the
   * last resourceVersion seen after a short backoff; nothing was missed, so nothing is relisted).
   */
  onRestart?: (why: "ended" | "gone" | "silent") => void;
  /** Any watch event received, bookmarks included (for metrics). */
  onWatchEvent?: (type: WatchEvent["type"]) => void;
  /** Start by watching from this resourceVersion instead of listing (a caller that just listed). */
  resourceVersion?: string;
  /** Page size of lists. */
  limit?: number;
  /** The server ends each watch after this many seconds (at most; bounded by resyncMs). */
  timeoutSeconds?: number;
  /** No bytes for this long restarts the watch; the client's default (kube/watch-silence.ts: 75 s with bookmarks) unless set. */
  silenceMs?: number;
  /** Relist this often even when nothing went wrong. */
  resyncMs?: number;
  backoff?: Backoff;
  now?: () => number;
}

class Gone extends Error {}

/** Any object the API lists: only its resourceVersion is read here. */
type Listed = { metadata: { resourceVersion?: string } };

/** Lists every page of the collection. */
async function listAll<T extends Listed>(o: ListWatchOptions<T>): Promise<{ items: T[]; resourceVersion: string }> {
  const items: T[] = [];
  let cont: string | undefined;
  let resourceVersion: string;
  do {
    const page = await o.client.request<KubeList<T>>("GET", o.path, {
      query: { labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, limit: o.limit ?? 500, continue: cont },
      signal: o.signal,
    });
    items.push(...page.items);
    cont = page.metadata.continue || undefined;
    resourceVersion = page.metadata.resourceVersion;
  } while (cont);
  return { items, resourceVersion };
}

/** Runs until `signal` aborts; reports through the callbacks and never throws. */
export async function listWatch<T extends Listed>(o: ListWatchOptions<T>): Promise<void> {
  const now = o.now ?? Date.now;
  const backoff = o.backoff ?? new Backoff();
  const maxTimeout = o.timeoutSeconds ?? 300;
  let resourceVersion = o.resourceVersion;
  const nextRelist = () => (o.resyncMs === undefined ? Infinity : now() + o.resyncMs);
  let relistAt = nextRelist();
  while (!o.signal.aborted) {
    try {
      if (resourceVersion === undefined) {
        const listed = await listAll(o);
        if (o.signal.aborted) return;
        o.onList(listed.items, listed.resourceVersion);
        resourceVersion = listed.resourceVersion;
        relistAt = nextRelist();
      }
      while (!o.signal.aborted && now() < relistAt) {
        const untilRelist = Math.max(1, Math.round((relistAt - now()) / 1000));
        let events = 0;
        const startedMs = now();
        await o.client.watch<T>(
          o.path,
          {
            labelSelector: o.labelSelector,
            fieldSelector: o.fieldSelector,
            resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: Math.min(maxTimeout, untilRelist),
          },
          (event) => {
            if (events === 0) backoff.reset(); // the watch works: the next failure starts small again
            events += 1;
            o.onWatchEvent?.(event.type);
            const step = stepOf(event);
            if (step.kind === "gone") throw new Gone();
            if (step.kind === "error") throw new Error(step.message);
            resourceVersion = step.resourceVersion ?? resourceVersion;
            if (step.kind === "deliver") o.onEvent(step.event);
          },
          o.signal,
          o.silenceMs === undefined ? {} : { silenceMs: o.silenceMs },
        );
        if (o.signal.aborted) return;
        if (events > 0 || now() - startedMs >= 1000) backoff.reset();
        o.onRestart?.("ended");
        // A server (or proxy) that closes every watch at once would otherwise spin: treat it as a failure.
        if (events === 0 && now() - startedMs < 1000) throw new Error(`watch ${o.path} ended at once without events`);
      }
      resourceVersion = undefined; // periodic resync
    } catch (error) {
      if (o.signal.aborted) return;
      if (error instanceof Gone || isStatus(error, 410)) {
        // Our resourceVersion was compacted away: list again now, no backoff needed.
        o.onRestart?.("gone");
        resourceVersion = undefined;
        continue;
      }
      if (isReason(error, LOCAL_REASON.watchSilent) && resourceVersion !== undefined) {
        // A dead connection loses no event: every one seen moved resourceVersion (bookmarks too), and
        // the server replays what came after it. The client has closed the dead connection.
        o.onRestart?.("silent");
        await sleep(backoff.next(), o.signal);
        continue;
      }
      const delay = backoff.next();
      o.onError?.(error, delay);
      // After an error the watch may have missed events: relist rather than trust the old resourceVersion.
      resourceVersion = undefined;
      await sleep(delay, o.signal);
    }
  }
}
