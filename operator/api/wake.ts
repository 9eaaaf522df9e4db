// The wake contract every client shares (`puck connect`, `puck wake`, the SSH gateway): write the wake
// request, then follow the Sprite until a command can run in it, it fails to start, or time runs out.
// Self-contained on purpose: the client is injected, so any program can use it (it moves into the shared
// Kubernetes layer once that exists).
import { CONDITION, REASON, childNames, type Sprite } from "./group.js";
import type { SpriteStatus } from "./sprite-schema.js";
import type { PodSeen } from "./session-end.js";

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
 * runs: see operator/sprite/pod-view.ts). Normally the operator must also have seen the request
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
  if (ready?.status === "False" && (ready.reason === REASON.podFailing || ready.reason === REASON.nodeNotReady)) {
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
  /**
   * Optional: tries to run a command in the woken Sprite's main container (in its new pod, not one
   * still terminating) and says whether it ran. The kubelet can run one up to a second before its
   * status says Ready, and a few hundred milliseconds before the agent's first report: a client that
   * may exec learns it sooner by trying. Never throws; every failure is "not yet".
   */
  probe?(sprite: Sprite): Promise<boolean>;
}

/**
 * A probe (WakeClient.probe) that tries a command only in the woken Sprite's new pod, never in one
 * still terminating after the hibernation (made before the wake), whose container may answer for a
 * few more seconds. `readPod` reads the pod; `tryCommand` runs a command in its main container.
 */
export function newPodProbe(readPod: (pod: string) => Promise<PodSeen>, tryCommand: (pod: string) => Promise<boolean>): (sprite: Sprite) => Promise<boolean> {
  // Once a pod is seen to be the new one, later probes skip the read: a pod is not made again under
  // the same wake without being deleted first, and then the command fails anyway.
  let confirmed: string | undefined;
  return async (sprite) => {
    const pod = sprite.status?.podName ?? childNames(sprite.metadata.name).pod;
    const woke = Date.parse(sprite.status?.wokeAt ?? "");
    const key = `${pod}@${sprite.status?.wokeAt}`;
    if (confirmed !== key) {
      const seen = await readPod(pod);
      if (!seen.exists || seen.deleting || seen.createdMs === undefined || Number.isNaN(woke)) return false;
      // Creation times have whole seconds.
      if (seen.createdMs < Math.floor(woke / 1000) * 1000) return false;
      confirmed = key;
    }
    return tryCommand(pod);
  };
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
  /** Pause between probes while a pod starts as pods usually do (default 50 ms; 20× that later). */
  probeIntervalMs?: number;
  /** Ends the wait early (the gateway's client went away): follow rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** How long probes come fast: a pod that takes longer is pulling an image or waiting for a node. */
const FAST_PROBING_MS = 10_000;

/** A probe is worth trying once the operator acted on the request and the Sprite is no longer asleep. */
const mayProbe = (sprite: Sprite, generation: number) =>
  (sprite.status?.observedGeneration ?? 0) >= generation && sprite.status?.phase !== "Hibernating" && !isAsleep(sprite.status ?? {});

/** Probes until one succeeds (then calls onRunning) or stop() is called. */
function probeUntilRunning(probe: (s: Sprite) => Promise<boolean>, latest: () => Sprite, generation: number, intervalMs: number, onRunning: () => void) {
  let stopped = false;
  let wake: (() => void) | undefined;
  const started = Date.now();
  void (async () => {
    while (!stopped) {
      const sprite = latest();
      if (mayProbe(sprite, generation) && (await probe(sprite).catch(() => false))) {
        if (!stopped) onRunning();
        return;
      }
      const pause = Date.now() - started < FAST_PROBING_MS ? intervalMs : intervalMs * 20;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, pause);
      });
    }
  })();
  return {
    stop: () => {
      stopped = true;
      wake?.();
    },
  };
}

/**
 * Follows the Sprite from `start` (the answer to a wake request, or a Sprite just created) until the
 * verdict is ready, through dropped watches and API server restarts, until the deadline. With a
 * probe, a command that runs in the new pod makes it ready too, whichever comes first.
 */
export async function follow(client: WakeClient, start: Sprite, options: FollowOptions): Promise<Sprite> {
  const generation = start.metadata.generation ?? 0;
  const state: FollowState = { latest: start, verdict: wakeVerdict(start, generation) };
  options.onVerdict?.(state.verdict);
  const probing =
    client.probe && state.verdict.state === "waiting"
      ? probeUntilRunning(client.probe.bind(client), () => state.latest, generation, options.probeIntervalMs ?? 50, () => {
          if (state.verdict.state !== "waiting") return;
          state.verdict = { state: "ready" };
          options.onVerdict?.(state.verdict);
          state.watching?.abort();
        })
      : undefined;
  const abandon = () => state.watching?.abort();
  options.signal?.addEventListener("abort", abandon);
  try {
    await watchUntilDecided(client, state, generation, options);
  } finally {
    probing?.stop();
    options.signal?.removeEventListener("abort", abandon);
  }
  options.signal?.throwIfAborted();
  if (state.verdict.state === "failed") throw new WakeError("failed", state.verdict.message, state.latest, state.verdict.reason);
  return state.latest;
}

interface FollowState {
  latest: Sprite;
  verdict: WakeVerdict;
  /** The watch under way: a successful probe ends it. */
  watching?: AbortController;
}

async function watchUntilDecided(client: WakeClient, state: FollowState, generation: number, options: FollowOptions): Promise<void> {
  const name = state.latest.metadata.name;
  const deadline = Date.now() + options.timeoutMs;
  const see = (sprite: Sprite) => {
    state.latest = sprite;
    state.verdict = wakeVerdict(sprite, generation);
    options.onVerdict?.(state.verdict);
  };
  while (state.verdict.state === "waiting" && !options.signal?.aborted) {
    if (Date.now() >= deadline) {
      const step = state.verdict.step;
      throw new WakeError("timeout", `Sprite "${name}" did not become ready within ${Math.round(options.timeoutMs / 1000)}s (last step: ${step})`, state.latest, step);
    }
    const watching = new AbortController();
    state.watching = watching;
    const timer = setTimeout(() => watching.abort(), Math.max(0, deadline - Date.now()));
    try {
      await client.watch(
        name,
        state.latest.metadata.resourceVersion,
        (event) => {
          if (state.verdict.state !== "waiting") return;
          if (event.type === "DELETED") state.verdict = { state: "failed", reason: "Deleted", message: "the Sprite was deleted" };
          else if (event.type === "ADDED" || event.type === "MODIFIED") see(event.object);
          if (state.verdict.state !== "waiting") watching.abort();
        },
        watching.signal,
      );
    } catch (error) {
      // A dropped connection is not the end of the wait: read again and watch again, until the deadline.
      if (!client.isTransient(error)) throw error;
      await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 500));
    } finally {
      clearTimeout(timer);
    }
    // The watch ended (server timeout, expired resourceVersion, deadline): re-read and go on.
    if (state.verdict.state === "waiting" && Date.now() < deadline && !options.signal?.aborted) {
      try {
        const read = await client.get(name);
        if (state.verdict.state === "waiting") see(read);
      } catch (error) {
        if (!client.isTransient(error)) throw error;
      }
    }
  }
}
