// The wake every program shares (`puck connect`, `puck wake`, the SSH gateway): write the wake request,
// then follow the Sprite until a command can run in it, it fails to start, or time runs out. wakeClient
// makes the one client they all follow with; the verdict on each state seen is operator/api's rule.
import type { KubeClient } from "../kube/client.js";
import { isTransient } from "../kube/errors.js";
import { probeExec, type ExecLibrary } from "../kube/exec-probe.js";
import { MAIN_CONTAINER, childNames, isAsleep, wakeVerdict, type PodSeen, type Sprite, type WakeVerdict } from "../operator/api/index.js";
import { getSprite, podPresence, requestWake, watchSprite } from "./sprites.js";

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

/** One call of a wake client: what a program names when it says a failure in its own words. */
export interface WakeCall {
  verb: "patch" | "get" | "watch";
  name: string;
}

export interface WakeClientOptions {
  /**
   * client-node's exec parts, for the probe (WakeClient.probe): a program that may exec wakes up to a
   * second sooner. The CLI loads them lazily, the gateway bundles them.
   */
  execLibrary?: () => Promise<ExecLibrary>;
  /**
   * Turns a failed call into the error the program reports (the CLI's PuckError). The error made must
   * keep the failure as its `cause`: isTransient judges a wrapped failure by what it wraps.
   */
  onFailure?: (error: unknown, call: WakeCall) => unknown;
}

/**
 * The wake client of every program, for Sprites in `namespace`: its calls are sprites.ts's, and what it
 * retries is kube/errors.ts's isTransient — the one rule, so the CLI and the gateway ride out the same
 * failures.
 */
export function wakeClient(client: KubeClient, namespace: string, options: WakeClientOptions = {}): WakeClient {
  const ref = (name: string) => ({ namespace, name });
  const { execLibrary, onFailure } = options;
  const told = <T>(call: WakeCall, made: Promise<T>): Promise<T> =>
    onFailure
      ? made.catch((error: unknown) => {
          throw onFailure(error, call);
        })
      : made;
  return {
    ...(execLibrary
      ? {
          probe: newPodProbe(
            (pod) => podPresence(client, namespace, pod),
            async (pod) => probeExec(await execLibrary(), client, { namespace, pod, container: MAIN_CONTAINER }),
          ),
        }
      : {}),
    requestWake: (name, at) => told({ verb: "patch", name }, requestWake(client, ref(name), at)),
    get: (name) => told({ verb: "get", name }, getSprite(client, ref(name))),
    watch: (name, resourceVersion, onEvent, signal) =>
      told(
        { verb: "watch", name },
        watchSprite(client, ref(name), resourceVersion, (e) => {
          if (e.type !== "BOOKMARK" && e.type !== "ERROR") onEvent({ type: e.type, object: e.object });
        }, signal),
      ),
    isTransient,
  };
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
