import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TrailingThrottle } from "./trailing-throttle.js";

describe("TrailingThrottle", () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it("writes the first value at once, then the latest of a burst once the interval is over", () => {
    const written: string[] = [];
    const t = new TrailingThrottle<string>(5000, (key, value) => written.push(`${key}:${value}`), () => Date.now());
    t.offer("a", "1");
    vi.advanceTimersByTime(1000);
    t.offer("a", "2");
    t.offer("a", "3");
    t.offer("b", "1");
    expect(written).toEqual(["a:1", "b:1"]);
    vi.advanceTimersByTime(4000);
    expect(written).toEqual(["a:1", "b:1", "a:3"]);
    vi.advanceTimersByTime(10_000);
    expect(written).toHaveLength(3);
    t.offer("a", "4");
    expect(written.at(-1)).toBe("a:4");
  });
});
