// The one retry delay for every loop that talks to Kubernetes: exponential, capped, with jitter.

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Each delay is spread over ±jitter of itself, so restarted clients do not retry in step. */
  jitter?: number;
  /** Injected by tests; Math.random otherwise. */
  random?: () => number;
}

/** The delay before retry number `failures` (1-based), without jitter: initial, 2×, 4× ... up to max. */
export const backoffDelayMs = (failures: number, initialMs: number, maxMs: number): number =>
  Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1));

export class Backoff {
  private failures = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
    this.jitter = options.jitter ?? 0.2;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next retry; each call counts one more failure. */
  next(): number {
    this.failures += 1;
    const base = backoffDelayMs(this.failures, this.initialMs, this.maxMs);
    const spread = base * this.jitter * (2 * this.random() - 1);
    return Math.max(0, Math.round(Math.min(this.maxMs, base + spread)));
  }

  /** After a success: the next failure waits the initial delay again. */
  reset(): void {
    this.failures = 0;
  }
}

/** Waits `ms`, or less if the signal aborts first (then resolves, never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
