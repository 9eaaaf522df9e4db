import { describe, expect, it } from "vitest";
import { NETWORK_RULES, networkSample, networkSeen, NO_NETWORK, parseNetDev, updateNetwork, type NetworkState } from "./network-activity.js";

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  201362      24    0    0    0     0          0         0   201362      24    0    0    0     0       0          0
  eth0:    3150      39    0    0    0     0          0         0      612       8    0    0    0     0       0          0
`;

const T0 = Date.parse("2026-01-01T12:00:00Z");
const SEC = 1000;

/** Feeds samples every 3 s (the agent's refresh): `bytes(i)` gives loopback and external bytes added at step i. */
function feed(steps: number, added: (i: number) => { loopback?: number; external?: number }, from: NetworkState = NO_NETWORK, startMs = T0) {
  let state = from;
  let last = from.samples.at(-1) ?? { atMs: startMs, loopback: 0, external: 0 };
  for (let i = 1; i <= steps; i++) {
    const a = added(i);
    last = { atMs: last.atMs + 3 * SEC, loopback: last.loopback + (a.loopback ?? 0), external: last.external + (a.external ?? 0) };
    state = updateNetwork(state, last);
  }
  return state;
}

describe("parseNetDev", () => {
  it("reads each interface's received and sent bytes, skipping the headers", () => {
    expect(parseNetDev(NET_DEV)).toEqual([
      { name: "lo", rxBytes: 201362, txBytes: 201362 },
      { name: "eth0", rxBytes: 3150, txBytes: 612 },
    ]);
    // Loopback counts each byte once (it is both sent and received); the others both ways.
    expect(networkSample(parseNetDev(NET_DEV), T0)).toEqual({ atMs: T0, loopback: 201362, external: 3762 });
  });
});

describe("updateNetwork", () => {
  it("an open forward that carries nothing but keepalives does not move data", () => {
    const state = feed(100, (i) => (i % 5 === 0 ? { loopback: 132 } : {}));
    expect(state.moving).toBe(false);
    expect(state.lastMovedMs).toBeUndefined();
  });

  it("the agent's own trickle on eth0 (a report and its echo a minute) does not move data", () => {
    const state = feed(100, (i) => (i % 20 === 0 ? { external: 24 * 1024 } : { external: 200 }));
    expect(state.moving).toBe(false);
  });

  it("a forward carrying data moves it, dated by the last sample that grew", () => {
    const state = feed(10, (i) => (i <= 6 ? { loopback: 50 * 1024 } : {}));
    expect(state.moving).toBe(true); // still inside the 30 s window
    expect(state.lastMovedMs).toBe(T0 + 6 * 3 * SEC);
  });

  it("a slow download (20 KiB/s on eth0) moves data; it stops moving a window after it ends", () => {
    const during = feed(20, () => ({ external: 60 * 1024 }));
    expect(during.moving).toBe(true);
    expect(during.lastMovedMs).toBe(T0 + 60 * SEC);
    const after = feed(11, () => ({}), during);
    expect(after.moving).toBe(false);
    expect(after.lastMovedMs).toBe(T0 + 60 * SEC);
  });

  it("reports the bytes of the last five minutes and keeps no more samples than that window needs", () => {
    const state = feed(200, () => ({ external: 1000 }));
    const seen = networkSeen(state)!;
    expect(seen.windowMs).toBe(NETWORK_RULES.reportWindowMs);
    expect(seen.bytes).toBe(100 * 1000);
    expect(state.samples.length).toBeLessThanOrEqual(102);
  });

  it("a counter that went back (an interface re-created) counts from zero, never negative", () => {
    const before = feed(2, () => ({ external: 1000 }));
    const reset = updateNetwork(before, { atMs: T0 + 9 * SEC, loopback: 0, external: 500 });
    // Counting starts at the first sample: 1000 between the first two, then 500 since the reset.
    expect(networkSeen(reset)!.bytes).toBe(1500);
  });

  it("reports nothing before the first sample", () => {
    expect(networkSeen(NO_NETWORK)).toBeUndefined();
  });
});
