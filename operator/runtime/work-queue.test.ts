// The work queue: coalescing, no double processing, earliest delayed add, backoff.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_DELAY_MS, WorkQueue } from "./work-queue.js";

describe("WorkQueue", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("coalesces repeated adds of a key into one item", async () => {
    const q = new WorkQueue();
    q.add("ns/a");
    q.add("ns/a");
    q.add("ns/b");
    expect(q.depth).toBe(2);
    expect(await q.get()).toBe("ns/a");
    expect(await q.get()).toBe("ns/b");
  });

  it("never hands a key to two workers: an add while processing re-queues it on done", async () => {
    const q = new WorkQueue();
    q.add("ns/a");
    const key = await q.get();
    q.add("ns/a");
    expect(q.depth).toBe(0);
    q.done(key!);
    expect(q.depth).toBe(1);
  });

  it("keeps the earliest of several delayed adds", async () => {
    const q = new WorkQueue();
    q.addAfter("ns/a", 10_000);
    q.addAfter("ns/a", 1_000);
    q.addAfter("ns/a", 5_000);
    expect(q.delayedCount).toBe(1);
    vi.advanceTimersByTime(999);
    expect(q.depth).toBe(0);
    vi.advanceTimersByTime(1);
    expect(q.depth).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(q.depth).toBe(1);
  });

  it("caps delays, so a deadline a year away neither overflows the timer nor spins", () => {
    const q = new WorkQueue();
    q.addAfter("ns/a", 365 * 24 * 3_600_000);
    vi.advanceTimersByTime(1_000);
    expect(q.depth).toBe(0);
    vi.advanceTimersByTime(MAX_DELAY_MS);
    expect(q.depth).toBe(1);
  });

  it("backs off failed keys exponentially up to the cap, and forget resets it", () => {
    const q = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 50 });
    expect([1, 2, 3, 4].map(() => q.addRateLimited("ns/a"))).toEqual([10, 20, 40, 50]);
    q.forget("ns/a");
    expect(q.addRateLimited("ns/a")).toBe(10);
  });

  it("wakes a waiting worker on add and releases workers on shutdown", async () => {
    const q = new WorkQueue();
    const first = q.get();
    q.add("ns/a");
    expect(await first).toBe("ns/a");
    const second = q.get();
    q.shutDown();
    expect(await second).toBeUndefined();
  });
});
