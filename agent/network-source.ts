// Reads the byte counters of the network namespace the agent shares with the Sprite, and keeps the
// window of samples that tells whether data moves (agent/network-activity.ts decides).
import { readFileSync } from "node:fs";
import { networkSample, networkSeen, NO_NETWORK, parseNetDev, updateNetwork, type NetworkSeen, type NetworkState } from "./network-activity.js";

export interface NetworkSource {
  /** Takes a sample (on the loop's full refresh) and returns what the window shows. */
  observe(nowMs: number, sample: boolean): NetworkSeen | undefined;
}

/** `netDevPath`: /proc/self/net/dev in the pod (its namespace is the Sprite's). Unreadable: no figures. */
export function createNetworkSource(netDevPath: string): NetworkSource {
  let state: NetworkState = NO_NETWORK;
  return {
    observe(nowMs, sample) {
      if (sample) {
        try {
          state = updateNetwork(state, networkSample(parseNetDev(readFileSync(netDevPath, "utf8")), nowMs));
        } catch {
          // No counters (a host run without /proc/net): no network evidence, never an error.
        }
      }
      return networkSeen(state);
    },
  };
}
