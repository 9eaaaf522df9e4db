import { describe, expect, it } from "vitest";
import { aggregate } from "./aggregate.js";
import { droppedActivityFields, statusPatch } from "./status-sink.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const base = { nowMs: NOW, agentStartMs: NOW - 1000, idleTimeoutMinutes: 30, terminals: [], execs: [], busy: [], cpuPercent: 1.4, processCount: 4 };

describe("statusPatch", () => {
  it("clears the keep-alive with null when there is none: a merge patch would keep the old one", () => {
    const patch = statusPatch(aggregate(base));
    expect(patch.status.activity).toMatchObject({ keepAwakeUntil: null, sessions: [], busyProcesses: [], cpuPercent: 1, processCount: 4, network: null });
    expect(patch.status.activeSessions).toBe(0);
    expect("lastActiveTime" in patch.status).toBe(false);
  });

  it("carries the count, the last activity and the keep-alive", () => {
    const patch = statusPatch(
      aggregate({ ...base, keepAwakeUntilMs: NOW + 60_000, terminals: [{ tty: "pts/0", user: "u", command: "bash", pid: 5, pids: [5], startTimeMs: NOW - 5000, lastInputMs: NOW - 2000 }] }),
    );
    expect(patch.status).toMatchObject({ activeSessions: 1, lastActiveTime: "2026-01-01T11:59:58.000Z", activity: { keepAwakeUntil: "2026-01-01T12:01:00.000Z" } });
  });

  it("says when the main container's process started, and clears it with null once the agent sees none", () => {
    expect(statusPatch(aggregate({ ...base, mainStartMs: NOW - 3000 })).status.activity).toMatchObject({ mainStartTime: "2026-01-01T11:59:57.000Z" });
    expect(statusPatch(aggregate(base)).status.activity).toMatchObject({ mainStartTime: null });
  });

  it("carries the disk figures when read, and leaves the last ones when not (a merge patch keeps what it omits)", () => {
    const disk = { usedBytes: 5, totalBytes: 10, availableBytes: 5 };
    expect(statusPatch(aggregate({ ...base, disk })).status.disk).toEqual(disk);
    expect("disk" in statusPatch(aggregate(base)).status).toBe(false);
  });

  it("names the report fields an older CRD pruned, and none when all were kept", () => {
    const patch = statusPatch(aggregate({ ...base, network: { movingNow: true, lastMovedMs: NOW - 1000, windowMs: 300_000, bytes: 5 } }));
    const stored = (activity: Record<string, unknown>) => ({ apiVersion: "v1", kind: "Sprite", metadata: {}, spec: { image: "x" }, status: { activity } }) as never;
    const { network: _network, ...withoutNetwork } = patch.status.activity as Record<string, unknown>;
    expect(droppedActivityFields(patch, stored(withoutNetwork))).toEqual(["network"]);
    expect(droppedActivityFields(patch, stored(patch.status.activity as Record<string, unknown>))).toEqual([]);
  });
});
