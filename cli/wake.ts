// Wakes a Sprite: writes the wake request, then follows its status until it is ready or failing.
import { childNames, type Sprite } from "../operator/api/index.js";
import { EXIT, PuckError } from "./errors.js";
import type { Progress } from "./output.js";
import { listEvents, patchSpec, watchSprites, getSprite, type Target } from "./sprites.js";
import { failureCause, failureHint, podEventNote, wakeVerdict, type WakeVerdict } from "./wake-verdict.js";

export interface WakeOptions {
  timeoutMs: number;
  now: () => Date;
  progress?: Progress;
}

/** Requests a wake and returns the Sprite once a shell can be opened in it. */
export async function wakeAndWait(target: Target, name: string, options: WakeOptions): Promise<Sprite> {
  const patched = await requestWake(target, name, options.now());
  return waitUntilReady(target, patched, options);
}

export function requestWake(target: Target, name: string, now: Date): Promise<Sprite> {
  return patchSpec(target, name, { wakeRequestedAt: now.toISOString() });
}

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
    return await follow(target, patched, options.timeoutMs, report);
  } finally {
    if (poller) clearInterval(poller);
  }
}

/** Watches the Sprite until the verdict is ready or failed, through dropped watches, until the deadline. */
async function follow(target: Target, patched: Sprite, timeoutMs: number, report: (v: WakeVerdict) => void): Promise<Sprite> {
  const name = patched.metadata.name;
  const generation = patched.metadata.generation ?? 0;
  const deadline = Date.now() + timeoutMs;
  let latest = patched;
  let verdict: WakeVerdict = wakeVerdict(latest, generation);
  report(verdict);
  while (verdict.state === "waiting") {
    if (Date.now() >= deadline) {
      throw new PuckError(
        `Sprite "${name}" did not become ready within ${Math.round(timeoutMs / 1000)}s (last step: ${verdict.step})`,
        `see \`puck describe ${name}\`; is the Puck operator running?`,
        EXIT.notStarted,
      );
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), Math.max(0, deadline - Date.now()));
    try {
      await watchSprites(
        target,
        { name, ...(latest.metadata.resourceVersion ? { resourceVersion: latest.metadata.resourceVersion } : {}) },
        (event) => {
          if (event.type === "DELETED") {
            verdict = { state: "failed", reason: "Deleted", message: "the Sprite was deleted" };
            abort.abort();
            return;
          }
          if (event.type !== "ADDED" && event.type !== "MODIFIED") return;
          latest = event.object;
          verdict = wakeVerdict(latest, generation);
          report(verdict);
          if (verdict.state !== "waiting") abort.abort();
        },
        abort.signal,
      );
    } catch (error) {
      // A dropped connection (an API server restart, a reset keep-alive socket) is not the end of
      // the wait: read again and watch again, until the deadline. Anything else is reported.
      if (!isTransient(error)) throw error;
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      clearTimeout(timer);
    }
    // The watch ended (server timeout, expired resourceVersion, deadline): re-read and go on.
    if (verdict.state === "waiting" && Date.now() < deadline) {
      try {
        latest = await getSprite(target, name);
        verdict = wakeVerdict(latest, generation);
      } catch (error) {
        if (!isTransient(error)) throw error;
      }
    }
  }
  if (verdict.state === "failed") throw await startFailure(target, latest, verdict);
  return latest;
}

const isTransient = (error: unknown) => error instanceof PuckError && error.retryable;

/** Explains a failure to start from the Ready condition and the pod's events. */
async function startFailure(target: Target, sprite: Sprite, verdict: Extract<WakeVerdict, { state: "failed" }>): Promise<PuckError> {
  const name = sprite.metadata.name;
  const pod = sprite.status?.podName ?? childNames(name).pod;
  const cause = await listEvents(target, "Pod", pod).then(failureCause, () => undefined);
  const text = `${verdict.message}${cause && !verdict.message.includes(cause) ? ` (pod event ${cause})` : ""}`;
  return new PuckError(`Sprite "${name}" failed to start: ${text}`, failureHint(name, text), EXIT.notStarted);
}
