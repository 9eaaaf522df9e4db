// The wakes the HTTP side has under way, one per Sprite: every request for a waking Sprite joins
// the same wake, the waiting page shows how long it has taken, and a wake that failed is told to the
// next page loads for a while before another is tried. A wake runs to its own deadline, not its
// requests': a browser reloading the waiting page never restarts it.
import type { SpriteRef } from "../../sprite-client/sprite-ref.js";
import { WakeFailed } from "./url-backend.js";

export interface WakeState {
  startedMs: number;
  /** The last step the wake reported ("starting the pod"). */
  step?: string;
  /** Resolves when the Sprite takes connections; rejects with WakeFailed or a timeout. */
  done: Promise<void>;
  /** Set once it failed: the operator's reason, in one line. */
  failure?: string;
}

/** How long a failed wake is told to page loads before one of them tries again. */
const FAILURE_KEPT_MS = 10_000;

export class Wakes {
  private readonly wakes = new Map<string, WakeState>();

  constructor(
    private readonly wake: (ref: SpriteRef, progress: (step: string) => void, signal: AbortSignal) => Promise<void>,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(ref: SpriteRef): WakeState | undefined {
    return this.wakes.get(`${ref.namespace}/${ref.name}`);
  }

  /** The wake under way for `ref`, or a new one. */
  start(ref: SpriteRef): WakeState {
    const key = `${ref.namespace}/${ref.name}`;
    const existing = this.wakes.get(key);
    if (existing && (existing.failure === undefined || this.now() - existing.startedMs < FAILURE_KEPT_MS)) return existing;
    const signal = AbortSignal.timeout(this.timeoutMs);
    const state: WakeState = { startedMs: this.now(), done: Promise.resolve() };
    state.done = this.wake(ref, (step) => (state.step = step), signal).then(
      () => {
        if (this.wakes.get(key) === state) this.wakes.delete(key);
      },
      (error: unknown) => {
        state.failure = error instanceof WakeFailed ? error.message : signal.aborted ? `it did not wake within ${Math.round(this.timeoutMs / 1000)} s` : String(error instanceof Error ? error.message : error);
        setTimeout(() => {
          if (this.wakes.get(key) === state) this.wakes.delete(key);
        }, FAILURE_KEPT_MS).unref();
        throw error;
      },
    );
    // Nobody may be waiting on it (a page load answered at once): its failure is kept, not thrown.
    state.done.catch(() => undefined);
    this.wakes.set(key, state);
    return state;
  }
}
