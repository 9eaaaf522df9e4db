// Runs a tick every interval, and at once when kicked (the keep-alive file or the Sprite changed).
// A tick that throws ends the run: the supervisor restarts it after its backoff.

export interface Ticker {
  /** Asks for a tick now; one asked for while a tick runs is folded into one follow-up tick. */
  kick(): void;
  run(signal: AbortSignal): Promise<void>;
}

export function createTicker(tick: () => Promise<unknown>, intervalMs: number): Ticker {
  let kicked = false;
  let wake: (() => void) | undefined;
  const pause = (signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, intervalMs);
      signal.addEventListener("abort", done);
      wake = done;
    });
  return {
    kick() {
      kicked = true;
      wake?.();
    },
    async run(signal) {
      while (!signal.aborted) {
        kicked = false;
        await tick();
        if (!kicked) await pause(signal);
      }
    },
  };
}
