import { describe, expect, it } from "vitest";
import { createTicker } from "./ticker.js";

describe("createTicker", () => {
  it("ticks at once when kicked instead of waiting the interval, and ends when aborted", async () => {
    const controller = new AbortController();
    let ticks = 0;
    const ticker = createTicker(async () => {
      ticks += 1;
      if (ticks === 3) controller.abort();
      else setImmediate(() => ticker.kick());
    }, 3_600_000);
    await ticker.run(controller.signal);
    expect(ticks).toBe(3);
  });

  it("ends its run with the tick's error, for the supervisor to restart", async () => {
    const ticker = createTicker(async () => {
      throw new Error("publish failed");
    }, 10);
    await expect(ticker.run(new AbortController().signal)).rejects.toThrow("publish failed");
  });
});
