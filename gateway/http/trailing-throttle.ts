// Writes a value per key at most once an interval, and the latest value once the interval is over:
// how the gateway records a Sprite's last request without a status write per request, and without
// losing the last one of a burst.

export class TrailingThrottle<T> {
  private readonly entries = new Map<string, { lastMs: number; pending?: T; timer?: NodeJS.Timeout }>();

  constructor(
    private readonly intervalMs: number,
    private readonly write: (key: string, value: T) => void,
    private readonly now: () => number = Date.now,
  ) {}

  offer(key: string, value: T): void {
    const nowMs = this.now();
    const entry = this.entries.get(key);
    if (!entry || nowMs - entry.lastMs >= this.intervalMs) {
      if (entry?.timer) clearTimeout(entry.timer);
      this.entries.set(key, { lastMs: nowMs });
      this.write(key, value);
      return;
    }
    entry.pending = value;
    entry.timer ??= setTimeout(() => {
      const pending = entry.pending;
      this.entries.set(key, { lastMs: this.now() });
      if (pending !== undefined) this.write(key, pending);
    }, entry.lastMs + this.intervalMs - nowMs).unref();
  }
}
