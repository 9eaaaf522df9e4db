import { describe, expect, it, vi } from "vitest";
import { Connections } from "./connections.js";

describe("Connections: what a drain waits for", () => {
  it("gives each connection an id of its own", () => {
    const connections = new Connections();
    const ids = new Set(Array.from({ length: 200 }, () => connections.add(() => undefined).id));
    expect(ids.size).toBe(200);
    expect(connections.size).toBe(200);
  });

  it("a drain with nothing open ends at once", async () => {
    await expect(new Connections().drain(60_000)).resolves.toEqual({ closed: 0 });
  });

  it("a drain ends when the last connection ends, closing none", async () => {
    const connections = new Connections();
    const a = connections.add(() => undefined);
    const b = connections.add(() => undefined);
    let done = false;
    const drained = connections.drain(60_000).then((r) => ((done = true), r));
    connections.forget(a);
    await Promise.resolve();
    expect(done).toBe(false);
    connections.forget(b);
    await expect(drained).resolves.toEqual({ closed: 0 });
  });

  it("a drain that runs out of time closes the connections left", async () => {
    vi.useFakeTimers();
    try {
      const connections = new Connections();
      const closed: string[] = [];
      const a = connections.add(() => closed.push("a"));
      connections.add(() => closed.push("b"));
      connections.forget(a);
      const drained = connections.drain(3_600_000);
      await vi.advanceTimersByTimeAsync(3_599_999);
      expect(closed).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      await expect(drained).resolves.toEqual({ closed: 1 });
      expect(closed).toEqual(["b"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("tells every terminal the notice once, and a terminal opened after it at once; a forgotten one is not told", () => {
    const connections = new Connections();
    const told: string[] = [];
    connections.addTerminal((line) => told.push(`one: ${line}`));
    const forget = connections.addTerminal((line) => told.push(`gone: ${line}`));
    forget();
    connections.announce("replaced");
    connections.announce("again");
    connections.addTerminal((line) => told.push(`late: ${line}`));
    expect(told).toEqual(["one: replaced", "late: replaced"]);
  });
});
