import { describe, expect, it } from "vitest";
import { WakeFailed } from "./url-backend.js";
import { Wakes } from "./wakes.js";

const dev = { namespace: "default", name: "dev" };

describe("Wakes", () => {
  it("joins every request for a Sprite to one wake, and forgets it once done", async () => {
    let calls = 0;
    let finish!: () => void;
    const wakes = new Wakes(async (_ref, progress) => {
      calls++;
      progress("starting the pod");
      await new Promise<void>((r) => (finish = r));
    }, 60_000);
    const a = wakes.start(dev);
    const b = wakes.start(dev);
    expect(a).toBe(b);
    expect([calls, a.step]).toEqual([1, "starting the pod"]);
    finish();
    await a.done;
    expect(wakes.get(dev)).toBeUndefined();
  });

  it("keeps a failed wake's reason for the next page loads", async () => {
    const wakes = new Wakes(async () => {
      throw new WakeFailed("its home volume lives on node b, which is not ready");
    }, 60_000);
    const state = wakes.start(dev);
    await expect(state.done).rejects.toThrow(WakeFailed);
    expect(wakes.get(dev)?.failure).toBe("its home volume lives on node b, which is not ready");
    expect(wakes.start(dev)).toBe(state);
  });
});
