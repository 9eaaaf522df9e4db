// A deduplicating, rate-limited work queue of `namespace/name` keys, like client-go's workqueue.

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  now(): number;
}

export const MAX_DELAY_MS = 6 * 3_600_000;

const realTimers: Timers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => Date.now(),
};

/**
 * Invariants: a key is queued at most once; a key is never handed to two workers at once (adds
 * while it is processed are remembered and re-queued on done()); each key has at most one pending
 * delayed add, the earliest one asked for.
 */
export class WorkQueue {
  private readonly order: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, { at: number; handle: unknown }>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(
    private readonly options: { baseDelayMs: number; maxDelayMs: number } = { baseDelayMs: 5, maxDelayMs: 60_000 },
    private readonly timers: Timers = realTimers,
  ) {}

  /** Keys waiting to be processed (not counting delayed ones). */
  get depth(): number {
    return this.order.length;
  }

  get delayedCount(): number {
    return this.delayed.size;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queued.add(key);
    this.order.push(key);
  }

  /**
   * Adds `key` after `ms`; an earlier pending add for the key wins over a later one. Delays are
   * capped at MAX_DELAY_MS: timers beyond 2^31 ms fire at once (a keep-awake a year away would spin),
   * and a reconcile after the cap simply schedules the rest.
   */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    ms = Math.min(ms, MAX_DELAY_MS);
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.timers.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.timers.clear(pending.handle);
    const handle = this.timers.set(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  /** Re-adds a failed key with exponential backoff per key. */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.options.baseDelayMs * 2 ** n, this.options.maxDelayMs);
    this.addAfter(key, delay);
    return delay;
  }

  /** Forgets a key's failures after it succeeded. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key to process, or undefined once shut down. */
  get(): Promise<string | undefined> {
    const key = this.order.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { handle } of this.delayed.values()) this.timers.clear(handle);
    this.delayed.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}
