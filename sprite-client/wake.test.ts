import { describe, expect, it } from "vitest";
import { at, awake, ready, sprite } from "../operator/api/sprite-fixture.js";
import type { Sprite } from "../operator/api/index.js";
import { follow, WakeError, type WakeClient, type WatchEvent } from "./wake.js";

/** A client whose watch plays the given events, then ends as a server-side timeout would. */
function scripted(watches: (WatchEvent[] | Error)[], reads: Sprite[] = []): WakeClient & { watchCalls: number } {
  const client = {
    watchCalls: 0,
    requestWake: () => Promise.reject(new Error("not used")),
    get: async () => reads.shift() ?? Promise.reject(new Error("no more reads")),
    watch: async (_name: string, _rv: string | undefined, onEvent: (e: WatchEvent) => void, signal: AbortSignal) => {
      const next = watches[client.watchCalls++];
      if (next instanceof Error) throw next;
      for (const e of next ?? []) if (!signal.aborted) onEvent(e);
    },
    isTransient: (e: unknown) => e instanceof Error && e.message === "dropped",
  };
  return client;
}

describe("follow", () => {
  const hibernating = sprite({ phase: "Hibernating", observedGeneration: 1, hibernatedAt: at(-5), wokeAt: at(-10) });
  const up = sprite({ ...awake, wokeAt: at(0), observedGeneration: 2 });

  it("an awake Sprite's answer to the request is ready without a watch", async () => {
    const client = scripted([]);
    await expect(follow(client, sprite({ ...awake, observedGeneration: 1 }), { timeoutMs: 1000 })).resolves.toMatchObject({ status: { phase: "Active" } });
    expect(client.watchCalls).toBe(0);
  });
  it("follows a hibernated Sprite through a dropped watch and a re-read until ready", async () => {
    const steps: string[] = [];
    const client = scripted([new Error("dropped"), [{ type: "MODIFIED", object: sprite({ phase: "Hibernating", observedGeneration: 2 }) }]], [hibernating, up]);
    const result = await follow(client, hibernating, { timeoutMs: 5000, retryDelayMs: 1, onVerdict: (v) => steps.push(v.state === "waiting" ? v.step : v.state) });
    expect(result).toBe(up);
    expect(steps).toEqual(["waiting for the operator", "waiting for the operator", "scaling up", "ready"]);
  });
  it("a deleted Sprite ends the wait as a failure", async () => {
    const client = scripted([[{ type: "DELETED", object: hibernating }]]);
    await expect(follow(client, hibernating, { timeoutMs: 1000 })).rejects.toMatchObject({ kind: "failed", reason: "Deleted" });
  });
  it("a failing pod, once the request is seen, ends the wait naming the cause", async () => {
    const failing = sprite({ phase: "Starting", observedGeneration: 2, conditions: [ready("False", "PodFailing", "ErrImagePull: nope")] });
    const error = await follow(scripted([[{ type: "MODIFIED", object: failing }]]), hibernating, { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WakeError);
    expect(error).toMatchObject({ kind: "failed", reason: "PodFailing", message: "ErrImagePull: nope" });
  });
  it("a watch error that is not transient is thrown as it is", async () => {
    await expect(follow(scripted([new Error("forbidden")]), hibernating, { timeoutMs: 1000 })).rejects.toThrow("forbidden");
  });
  it("an abandoned wait (the client went away) ends at once with the signal's reason", async () => {
    const client = scripted([]);
    client.watch = (_n, _rv, _on, signal) => new Promise((resolve) => signal.addEventListener("abort", () => resolve()));
    const gone = new AbortController();
    const waiting = follow(client, hibernating, { timeoutMs: 60_000, signal: gone.signal });
    gone.abort(new Error("client went away"));
    await expect(waiting).rejects.toThrow("client went away");
  });
  it("time running out names the last step", async () => {
    const client = scripted([], [hibernating, hibernating, hibernating]);
    client.watch = (_n, _rv, _on, signal) => new Promise((resolve) => signal.addEventListener("abort", () => resolve()));
    await expect(follow(client, hibernating, { timeoutMs: 50 })).rejects.toMatchObject({ kind: "timeout", reason: "waiting for the operator" });
  });

  describe("with a probe", () => {
    const starting = sprite({ phase: "Starting", observedGeneration: 2, wokeAt: at(0), hibernatedAt: at(-5), conditions: [ready("False", "PodStarting")] });
    /** A watch that shows the given Sprite, then stays open until aborted. */
    const open = (shown: Sprite) => {
      const client = scripted([]);
      // A re-read may come when the deadline's timer ends the watch a moment early: it sees the same.
      client.get = async () => shown;
      client.watch = async (_n, _rv, onEvent, signal) => {
        onEvent({ type: "MODIFIED", object: shown });
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
      };
      return client;
    };

    it("a command that runs in the new pod ends the wait before the status says Ready", async () => {
      const client = open(starting);
      let tries = 0;
      client.probe = async () => ++tries >= 3;
      const steps: string[] = [];
      const result = await follow(client, hibernating, { timeoutMs: 5000, probeIntervalMs: 1, onVerdict: (v) => steps.push(v.state) });
      expect(result.status?.phase).toBe("Starting");
      expect(tries).toBe(3);
      expect(steps.at(-1)).toBe("ready");
    });
    it("no probe before the operator acted on the request: the old pod may still be up", async () => {
      const client = open(hibernating);
      let tries = 0;
      client.probe = async () => (++tries, true);
      await expect(follow(client, hibernating, { timeoutMs: 100, probeIntervalMs: 1 })).rejects.toMatchObject({ kind: "timeout" });
      expect(tries).toBe(0);
    });
    it("a failing pod still fails fast while probes fail", async () => {
      const failing = sprite({ phase: "Starting", observedGeneration: 2, wokeAt: at(0), hibernatedAt: at(-5), conditions: [ready("False", "PodFailing", "ErrImagePull: nope")] });
      const client = scripted([[{ type: "MODIFIED", object: failing }]]);
      client.probe = () => Promise.reject(new Error("container not found"));
      await expect(follow(client, hibernating, { timeoutMs: 1000, probeIntervalMs: 1 })).rejects.toMatchObject({ kind: "failed", reason: "PodFailing" });
    });
  });
});
