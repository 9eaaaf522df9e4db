// puck's side of the shared wake (sprite-client/wake.ts): progress from the pod's events, and failures
// turned into one line of cause and fix.
import { childNames, wakeVerdict, type Sprite, type WakeVerdict } from "../operator/api/index.js";
import { follow, wakeClient as sharedWakeClient, WakeError, type WakeCall, type WakeClient } from "../sprite-client/wake.js";
import { EXIT, PuckError, toPuckError, type ErrorContext } from "./errors.js";
import type { Io } from "./io.js";
import { loadExecLibrary } from "./lazy-deps.js";
import { createProgress, type Progress } from "./output.js";
import { listEvents, type Target } from "./sprites.js";
import { failureCause, failureHint, podEventNote } from "./wake-events.js";

export interface WakeOptions {
  timeoutMs: number;
  progress?: Progress;
  /** Try a command in the new pod while waiting (connect, which runs one anyway): ready sooner. */
  probe?: boolean;
}

/** What puck says a failed wake call was doing, as its other commands say the same calls. */
const CALL_CONTEXT: Record<WakeCall["verb"], (name: string) => Omit<ErrorContext, "namespace" | "server">> = {
  patch: (name) => ({ action: `update Sprite ${name}`, verb: "patch", sprite: name }),
  get: (name) => ({ action: `get Sprite ${name}`, verb: "get", sprite: name }),
  watch: (name) => ({ action: "watch Sprites", verb: "watch", sprite: name }),
};

/** The shared wake client, its failures told as puck's (toPuckError keeps each as the cause isTransient reads). */
export function wakeClient(target: Target, options: { probe?: boolean } = {}): WakeClient {
  return sharedWakeClient(target.client, target.namespace, {
    ...(options.probe ? { execLibrary: loadExecLibrary } : {}),
    onFailure: (error, call) => toPuckError(error, { ...CALL_CONTEXT[call.verb](call.name), namespace: target.namespace, server: target.client.access.server }),
  });
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
  const client = wakeClient(target, { probe: options.probe === true });
  try {
    return await follow(client, patched, { timeoutMs: options.timeoutMs, onVerdict: report });
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
