// The retry delay doubles up to its cap, spreads by its jitter, and starts small again after a success.
import { describe, expect, it } from "vitest";
import { Backoff, backoffDelayMs, sleep } from "./backoff.js";

describe("backoffDelayMs", () => {
  it.each([
    [1, 500],
    [2, 1000],
    [3, 2000],
    [7, 30_000],
    [50, 30_000],
  ])("failure %i waits %i ms", (failures, want) => expect(backoffDelayMs(failures, 500, 30_000)).toBe(want));
});

describe("Backoff", () => {
  it("without jitter (random 0.5) doubles, is capped, and reset starts again", () => {
    const b = new Backoff({ initialMs: 100, maxMs: 350, random: () => 0.5 });
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 350, 350]);
    b.reset();
    expect(b.next()).toBe(100);
  });
  it("jitter spreads a delay by at most its share either way, never past the cap", () => {
    const low = new Backoff({ initialMs: 1000, maxMs: 1100, jitter: 0.2, random: () => 0 });
    const high = new Backoff({ initialMs: 1000, maxMs: 1100, jitter: 0.2, random: () => 1 });
    expect(low.next()).toBe(800);
    expect(high.next()).toBe(1100);
  });
});

describe("sleep", () => {
  it("ends at once when its signal aborts", async () => {
    const abort = new AbortController();
    const started = Date.now();
    const done = sleep(60_000, abort.signal);
    abort.abort();
    await done;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
