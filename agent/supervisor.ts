// Keeps long-running loops alive: restarts a loop that failed or ended, with capped exponential backoff.
import { backoffDelayMs } from "../kube/backoff.js";
import type { Logger } from "./logger.js";

export interface SupervisorOptions {
  log: Logger;
  signal: AbortSignal;
  /** Waits this long or until the signal aborts; injected so tests need no real time. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** A run that lasted this long resets the backoff: it was healthy. */
  healthyAfterMs?: number;
  now?: () => number;
}


export async function supervise(name: string, run: (signal: AbortSignal) => Promise<void>, options: SupervisorOptions): Promise<void> {
  const { log, signal } = options;
  const now = options.now ?? Date.now;
  const min = options.minBackoffMs ?? 1000;
  const max = options.maxBackoffMs ?? 30_000;
  const healthy = options.healthyAfterMs ?? 60_000;
  let failures = 0;
  while (!signal.aborted) {
    const started = now();
    try {
      await run(signal);
      failures = 0; // ended normally (a watch timing out): start again at once
      continue;
    } catch (error) {
      if (signal.aborted) return;
      failures = now() - started >= healthy ? 1 : failures + 1;
      const delay = backoffDelayMs(failures, min, max);
      log.warn(`Loop ${name} failed; restarting`, { error, retryInMs: delay, failures });
      await options.sleep(delay, signal);
    }
  }
}
