// The wake contract every client shares (`puck connect`, `puck wake`, the SSH gateway): write the wake
// request, then follow the Sprite until a command can run in it, it fails to start, or time runs out.
// Self-contained on purpose: the client is injected, so any program can use it (it moves into the shared
// Kubernetes layer once that exists).
import { CONDITION, REASON, type Sprite } from "./group.js";
import type { SpriteStatus } from "./sprite-schema.js";

export type WakeVerdict =
  | { state: "ready" }
  | { state: "waiting"; step: string }
  | { state: "failed"; reason: string; message: string };

const time = (text: string | undefined) => (text ? Date.parse(text) : NaN);

/**
 * Asleep is the operator's own record: hibernatedAt newer than wokeAt. The operator writes it before
 * it scales down, so no pod is stopped for hibernation without the status saying so first.
 */
export function isAsleep(status: SpriteStatus): boolean {
  const slept = time(status.hibernatedAt);
  const woke = time(status.wokeAt);
  return !Number.isNaN(slept) && (Number.isNaN(woke) || slept >= woke);
}

/**
 * Whether a Sprite can take a command after a wake request that produced generation `minGeneration`.
 *
 * Ready needs phase Active and the Ready condition True (the operator sets it once the main container
 * runs: see operator/pod-view.ts). Normally the operator must also have seen the request
 * (observedGeneration), which closes the race with a hibernation decided just before it. One case
 * needs no waiting: a status read at or after the request that is awake and not asleep. A hibernation
 * is recorded in the status, conditional on the version the operator decided from, before anything is
 * scaled down; our request changed that version, so a hibernation decided before it fails and is
 * decided again with the request counted, and one decided after it counts the request as activity.
 * A failing pod is believed only once the request is seen: a failure from before may be cured by it.
 */
export function wakeVerdict(sprite: Sprite, minGeneration: number): WakeVerdict {
  const status = sprite.status ?? {};
  if (sprite.metadata.deletionTimestamp) return { state: "failed", reason: REASON.terminating, message: "the Sprite is being deleted" };
  const ready = status.conditions?.find((c) => c.type === CONDITION.ready);
  if (status.phase === "Active" && ready?.status === "True" && !isAsleep(status)) return { state: "ready" };
  if ((status.observedGeneration ?? 0) < minGeneration) return { state: "waiting", step: "waiting for the operator" };
  if (ready?.status === "False" && ready.reason === REASON.podFailing) {
    return { state: "failed", reason: ready.reason, message: ready.message ?? "the pod is failing" };
  }
  if (status.phase === "Hibernating") return { state: "waiting", step: "scaling up" };
  if (status.phase === "Terminating") return { state: "failed", reason: REASON.terminating, message: "the Sprite is being deleted" };
  if (ready?.message) return { state: "waiting", step: `starting: ${ready.message}` };
  return { state: "waiting", step: ready?.reason === REASON.podStarting ? "starting the pod" : `${status.phase ?? "pending"}` };
}

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: Sprite;
}

/** What the wake needs from a Kubernetes client, for one Sprite in one namespace. */
export interface WakeClient {
  /** Merge-patches spec.wakeRequestedAt and returns the Sprite as the API server stored it. */
  requestWake(name: string, at: Date): Promise<Sprite>;
  get(name: string): Promise<Sprite>;
  /** Streams the Sprite's events from resourceVersion until the server ends the watch or signal aborts. */
  watch(name: string, resourceVersion: string | undefined, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void>;
  /** A failure the same call may get past later (a dropped connection, an API server restarting). */
  isTransient(error: unknown): boolean;
}

/** The wake did not end ready: the Sprite failed to start, went away, or time ran out. */
export class WakeError extends Error {
  constructor(
    readonly kind: "failed" | "timeout",
    message: string,
    /** The Sprite as last seen. */
    readonly sprite: Sprite,
    /** failed: the reason (PodFailing, Terminating, Deleted); timeout: the last step seen. */
    readonly reason: string,
  ) {
    super(message);
    this.name = "WakeError";
  }
}

export interface FollowOptions {
  timeoutMs: number;
  /** Called with every verdict seen, for progress. */
  onVerdict?: (verdict: WakeVerdict) => void;
  /** Pause after a dropped connection before reading again. */
  retryDelayMs?: number;
}

/** Writes a wake request; the Sprite it returns is what `follow` starts from. */
export const requestWake = (client: WakeClient, name: string, at: Date): Promise<Sprite> => client.requestWake(name, at);

/**
 * Follows the Sprite from `start` (the answer to a wake request, or a Sprite just created) until the
 * verdict is ready, through dropped watches and API server restarts, until the deadline.
 */
export async function follow(client: WakeClient, start: Sprite, options: FollowOptions): Promise<Sprite> {
  const name = start.metadata.name;
  const generation = start.metadata.generation ?? 0;
  const deadline = Date.now() + options.timeoutMs;
  let latest = start;
  let verdict = wakeVerdict(latest, generation);
  options.onVerdict?.(verdict);
  while (verdict.state === "waiting") {
    if (Date.now() >= deadline) {
      throw new WakeError("timeout", `Sprite "${name}" did not become ready within ${Math.round(options.timeoutMs / 1000)}s (last step: ${verdict.step})`, latest, verdict.step);
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), Math.max(0, deadline - Date.now()));
    try {
      await client.watch(
        name,
        latest.metadata.resourceVersion,
        (event) => {
          if (event.type === "DELETED") {
            verdict = { state: "failed", reason: "Deleted", message: "the Sprite was deleted" };
            abort.abort();
            return;
          }
          if (event.type !== "ADDED" && event.type !== "MODIFIED") return;
          latest = event.object;
          verdict = wakeVerdict(latest, generation);
          options.onVerdict?.(verdict);
          if (verdict.state !== "waiting") abort.abort();
        },
        abort.signal,
      );
    } catch (error) {
      // A dropped connection is not the end of the wait: read again and watch again, until the deadline.
      if (!client.isTransient(error)) throw error;
      await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 500));
    } finally {
      clearTimeout(timer);
    }
    // The watch ended (server timeout, expired resourceVersion, deadline): re-read and go on.
    if (verdict.state === "waiting" && Date.now() < deadline) {
      try {
        latest = await client.get(name);
        verdict = wakeVerdict(latest, generation);
        options.onVerdict?.(verdict);
      } catch (error) {
        if (!client.isTransient(error)) throw error;
      }
    }
  }
  if (verdict.state === "failed") throw new WakeError("failed", verdict.message, latest, verdict.reason);
  return latest;
}
