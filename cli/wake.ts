// puck's side of the shared wake (operator/api/wake.ts): its client over puck's API calls, progress
// from the pod's events, and failures turned into one line of cause and fix.
import { MAIN_CONTAINER, childNames, type Sprite } from "../operator/api/index.js";
import { follow, wakeVerdict, WakeError, type WakeClient, type WakeVerdict } from "../operator/api/wake.js";
import { EXIT, PuckError } from "./errors.js";
import type { Io } from "./io.js";
import { createProgress, type Progress } from "./output.js";
import { probeExec } from "./exec-session.js";
import { getSprite, listEvents, patchSpec, podPresence, watchSprites, type Target } from "./sprites.js";
import { failureCause, failureHint, podEventNote } from "./wake-events.js";

export interface WakeOptions {
  timeoutMs: number;
  progress?: Progress;
  /** Try a command in the new pod while waiting (connect, which runs one anyway): ready sooner. */
  probe?: boolean;
}

/**
 * A command runs in the woken Sprite's new pod: not one still terminating after the hibernation (a
 * pod made before the wake), whose container may answer for a few more seconds.
 */
function newPodProber(target: Target) {
  // Once a pod is seen to be the new one, later probes skip the read: a pod is not made again under
  // the same wake without being deleted first, and then the exec fails anyway.
  let confirmed: string | undefined;
  return async (sprite: Sprite): Promise<boolean> => {
    const pod = sprite.status?.podName ?? childNames(sprite.metadata.name).pod;
    const woke = Date.parse(sprite.status?.wokeAt ?? "");
    const key = `${pod}@${sprite.status?.wokeAt}`;
    if (confirmed !== key) {
      const seen = await podPresence(target, pod);
      if (!seen.exists || seen.deleting || seen.createdMs === undefined || Number.isNaN(woke)) return false;
      // Creation times have whole seconds.
      if (seen.createdMs < Math.floor(woke / 1000) * 1000) return false;
      confirmed = key;
    }
    return probeExec(target.client, { namespace: target.namespace, pod, container: MAIN_CONTAINER });
  };
}

export function wakeClient(target: Target, options: { probe?: boolean } = {}): WakeClient {
  return {
    ...(options.probe ? { probe: newPodProber(target) } : {}),
    requestWake: (name, at) => patchSpec(target, name, { wakeRequestedAt: at.toISOString() }),
    get: (name) => getSprite(target, name),
    watch: (name, resourceVersion, onEvent, signal) =>
      watchSprites(target, { name, ...(resourceVersion ? { resourceVersion } : {}) }, (e) => onEvent({ type: e.type, object: e.object }), signal),
    isTransient: (error) => error instanceof PuckError && error.retryable,
  };
}

/** Writes the wake request; the answer says whether the Sprite is awake already. */
export const requestWake = (target: Target, name: string, now: Date): Promise<Sprite> => wakeClient(target).requestWake(name, now);

/**
 * Writes the wake request and, unless its answer says the Sprite is awake already, follows it with
 * progress on stderr until a command can run in it. Always written, even to an awake Sprite: it stops
 * a hibernation decided just now, and its answer tells whether there is anything to wait for.
 */
export async function wakeAndWait(target: Target, name: string, options: { io: Io; timeoutMs: number; probe?: boolean }): Promise<Sprite> {
  const patched = await requestWake(target, name, options.io.now());
  if (wakeVerdict(patched, patched.metadata.generation ?? 0).state === "ready") return patched;
  const progress = createProgress(options.io, `Waking ${name}`);
  let sprite: Sprite;
  try {
    sprite = await waitUntilReady(target, patched, { timeoutMs: options.timeoutMs, progress, probe: options.probe === true });
  } finally {
    progress.stop();
  }
  progress.done(`Sprite ${name} is awake`);
  return sprite;
}

/** Follows a woken (or created) Sprite until a command can run in it; throws a PuckError otherwise. */
export async function waitUntilReady(target: Target, patched: Sprite, options: WakeOptions): Promise<Sprite> {
  const progress = options.progress;
  let podNote: string | undefined;
  let current: WakeVerdict = { state: "waiting", step: "waiting for the operator" };
  const report = (v: WakeVerdict) => {
    current = v;
    if (v.state === "waiting") progress?.step(podNote && v.step.startsWith("starting") ? `${v.step} · ${podNote}` : v.step);
  };
  // While the pod comes up, its events say what it is doing (pulling, scheduling...). Only when
  // someone watches, and only once a wake takes a while: a quick wake costs no extra requests.
  const since = Date.now();
  const pod = childNames(patched.metadata.name).pod;
  const poller = progress
    ? setInterval(() => {
        if (Date.now() - since < 1500) return;
        listEvents(target, "Pod", pod).then(
          (events) => {
            podNote = podEventNote(events, since);
            report(current);
          },
          () => undefined,
        );
      }, 1000)
    : undefined;
  poller?.unref();
  try {
    return await follow(wakeClient(target, { probe: options.probe === true }), patched, { timeoutMs: options.timeoutMs, onVerdict: report });
  } catch (error) {
    if (!(error instanceof WakeError)) throw error;
    const name = patched.metadata.name;
    if (error.kind === "timeout") {
      throw new PuckError(error.message, `see \`puck describe ${name}\`; is the Puck operator running?`, EXIT.notStarted);
    }
    throw await startFailure(target, error.sprite, error.message);
  } finally {
    if (poller) clearInterval(poller);
  }
}

/** Explains a failure to start from the Ready condition and the pod's events. */
async function startFailure(target: Target, sprite: Sprite, message: string): Promise<PuckError> {
  const name = sprite.metadata.name;
  const pod = sprite.status?.podName ?? childNames(name).pod;
  const cause = await listEvents(target, "Pod", pod).then(failureCause, () => undefined);
  const text = `${message}${cause && !message.includes(cause) ? ` (pod event ${cause})` : ""}`;
  return new PuckError(`Sprite "${name}" failed to start: ${text}`, failureHint(name, text), EXIT.notStarted);
}
