// Waiting on conditions with deadlines: how every e2e test, and the unit tests with real processes, synchronise.

export interface WaitOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Pause between checks. */
  intervalMs?: number;
  /** Names what is awaited, for the failure message. */
  what: string;
}

/**
 * Polls `check` until it returns a value other than undefined (or false), then returns it.
 * On timeout it throws, naming what was awaited and the last thing seen (the last error, or the
 * value `describe` gives), so a failing test says what it saw.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions & { describe?: () => Promise<unknown> | unknown },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  let seen: unknown = lastError instanceof Error ? lastError.message : lastError;
  if (options.describe) {
    try {
      seen = await options.describe();
    } catch (error) {
      seen = `(describe failed: ${String(error)})`;
    }
  }
  throw new Error(
    `Timed out after ${options.timeoutMs} ms waiting for ${options.what}; last seen: ${
      typeof seen === "string" ? seen : JSON.stringify(seen, null, 2)
    }`,
  );
}
