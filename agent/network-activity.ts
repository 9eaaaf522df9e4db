// Decides whether data moves on the Sprite's network, from the byte counters of its network
// namespace (/proc/net/dev), which the agent shares with the Sprite: pure, the reading is elsewhere.
//
// Forwarded connections (ssh -L/-D through the gateway, puck port-forward, kubectl port-forward) all
// end as the API's pod port-forward, which connects to localhost:PORT inside the pod's namespace:
// their data moves on loopback, which nothing else in a quiet pod uses (the agent talks to the API
// server over eth0). Downloads and other outside traffic move on the other interfaces, where the
// agent's own reports and Sprite watch move too (measured in a Sprite pod: ~110 KiB in the first
// 65 s after a wake, less when quiet): the threshold there lies well above that trickle, well below
// any download worth waiting for (256 KiB in 30 s is 8.5 KiB/s).

export interface InterfaceBytes {
  name: string;
  rxBytes: number;
  txBytes: number;
}

/** Parses /proc/net/dev: "  eth0: rxBytes rxPackets … (8 rx fields) txBytes …". */
export function parseNetDev(text: string): InterfaceBytes[] {
  const result: InterfaceBytes[] = [];
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (fields.length < 9 || fields.some((n) => !Number.isFinite(n))) continue;
    result.push({ name: line.slice(0, colon).trim(), rxBytes: fields[0]!, txBytes: fields[8]! });
  }
  return result;
}

/** One reading of the counters: loopback bytes (each counted once, as received) and the others' both ways. */
export interface NetworkSample {
  atMs: number;
  loopback: number;
  external: number;
}

export function networkSample(interfaces: readonly InterfaceBytes[], atMs: number): NetworkSample {
  let loopback = 0;
  let external = 0;
  for (const i of interfaces) {
    if (i.name === "lo") loopback += i.rxBytes;
    else external += i.rxBytes + i.txBytes;
  }
  return { atMs, loopback, external };
}

export interface NetworkRules {
  /** Data moves when this window saw more than the thresholds below. */
  movingWindowMs: number;
  /** Bytes on loopback in the moving window: more than TCP keepalives of an idle forward. */
  loopbackBytes: number;
  /** Bytes on the other interfaces in the moving window: more than the agent's own API traffic. */
  externalBytes: number;
  /** The window of the reported byte count ("3.2 MiB in the last 5 min"). */
  reportWindowMs: number;
}

export const NETWORK_RULES: NetworkRules = {
  movingWindowMs: 30_000,
  loopbackBytes: 4 * 1024,
  externalBytes: 256 * 1024,
  reportWindowMs: 5 * 60_000,
};

export interface NetworkState {
  /** Samples of the report window, oldest first, plus one before it to count from. */
  samples: NetworkSample[];
  /** Whether the moving window saw more than the thresholds at the last sample. */
  moving: boolean;
  /** The last sample at which counters grew while data was moving. */
  lastMovedMs?: number;
}

export const NO_NETWORK: NetworkState = { samples: [], moving: false };

/** Counters can only grow; one that went back (an interface re-created) counts from zero. */
const grew = (before: number, after: number) => (after >= before ? after - before : after);

/** Bytes moved from the latest sample at or before `fromMs` (else the oldest) to the newest, step by step. */
function movedSince(samples: readonly NetworkSample[], fromMs: number): { loopback: number; external: number } {
  let loopback = 0;
  let external = 0;
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1]!, samples[i]!];
    if (b.atMs <= fromMs) continue;
    loopback += grew(a.loopback, b.loopback);
    external += grew(a.external, b.external);
  }
  return { loopback, external };
}

export function updateNetwork(state: NetworkState, sample: NetworkSample, rules: NetworkRules = NETWORK_RULES): NetworkState {
  const keepFrom = sample.atMs - rules.reportWindowMs;
  const kept = state.samples.filter((s, i, all) => s.atMs >= keepFrom || (all[i + 1]?.atMs ?? Infinity) > keepFrom);
  const samples = [...kept, sample];
  const moved = movedSince(samples, sample.atMs - rules.movingWindowMs);
  const moving = moved.loopback >= rules.loopbackBytes || moved.external >= rules.externalBytes;
  // Date the movement by the last sample at which the counters grew, not by the window's end.
  const previous = samples.at(-2);
  const grewNow = previous !== undefined && (grew(previous.loopback, sample.loopback) > 0 || grew(previous.external, sample.external) > 0);
  const lastMovedMs = moving && grewNow ? sample.atMs : state.lastMovedMs;
  return { samples, moving, ...(lastMovedMs !== undefined ? { lastMovedMs } : {}) };
}

/** What the aggregator needs: whether data moves now, when it last did, and the report's byte count. */
export interface NetworkSeen {
  movingNow: boolean;
  lastMovedMs?: number;
  windowMs: number;
  bytes: number;
}

export function networkSeen(state: NetworkState, rules: NetworkRules = NETWORK_RULES): NetworkSeen | undefined {
  const first = state.samples[0];
  const last = state.samples.at(-1);
  if (!first || !last) return undefined;
  const moved = movedSince(state.samples, -Infinity);
  return {
    movingNow: state.moving,
    ...(state.lastMovedMs !== undefined ? { lastMovedMs: state.lastMovedMs } : {}),
    windowMs: Math.min(rules.reportWindowMs, last.atMs - first.atMs),
    bytes: moved.loopback + moved.external,
  };
}
