import { describe, expect, it } from "vitest";
import { silentLogger } from "./logger.js";
import { supervise } from "./supervisor.js";

describe("supervise", () => {
  it("restarts a failing loop with growing waits and a loop that ended at once, until aborted", async () => {
    const controller = new AbortController();
    const sleeps: number[] = [];
    let runs = 0;
    await supervise(
      "test",
      async () => {
        runs += 1;
        if (runs === 4) return; // a watch that ended normally
        if (runs === 6) controller.abort();
        throw new Error("boom");
      },
      { log: silentLogger, signal: controller.signal, now: () => 0, sleep: async (ms) => void sleeps.push(ms) },
    );
    expect(runs).toBe(6);
    expect(sleeps).toEqual([1000, 2000, 4000, 1000]);
  });
});
