// The loop with fake sources: no real processes, no cluster. It only connects them: these tests
// check that what a source saw reaches the report, the warning and the publisher.
import { describe, expect, it } from "vitest";
import type { BusyProcess, Sprite } from "../operator/api/index.js";
import { createAgentLoop } from "./agent-loop.js";
import type { Findings } from "./aggregate.js";
import type { TerminalGroup } from "./classify.js";
import type { KeepAwake } from "./keep-awake.js";
import { makeLogger } from "./logger.js";
import { processInfo } from "./process-fixture.js";
import type { ProcessObservation, ProcessSource } from "./process-source.js";
import { createPublisher } from "./publisher.js";
import { createTerminalWarner } from "./terminal-warner.js";
import type { TerminalTimes } from "./tty-stat.js";

const T0 = Date.parse("2026-01-01T12:00:00Z");
const MIN = 60_000;

function fixture(options: { idleTimeoutMinutes?: number; status?: Sprite["status"] } = {}) {
  let nowMs = T0;
  const shell = processInfo(10, "bash", { ttyNr: 34816, sid: 10, tpgid: 10, startTimeMs: T0 - 10 * MIN });
  const group: TerminalGroup = { key: "34816@0::/", ttyNr: 34816, leader: shell, foreground: shell, pids: [10] };
  const world = {
    terminals: [group],
    execs: [] as ReturnType<typeof processInfo>[],
    busy: [] as BusyProcess[],
    times: { fdPath: "/fake/10/fd/0", atimeMs: T0 - 2 * MIN, mtimeMs: T0 - 2 * MIN } as TerminalTimes | undefined,
    keepAwake: { absent: true } as KeepAwake,
    sprite: {
      apiVersion: "puck.sandwich.labs/v1alpha1",
      kind: "Sprite",
      metadata: { name: "dev", namespace: "t" },
      spec: { image: "x", idleTimeoutMinutes: options.idleTimeoutMinutes ?? 30 },
      status: options.status ?? {},
    } as Sprite,
    failPublish: false,
    disk: undefined as ProcessObservation["disk"],
  };
  const processes: ProcessSource = {
    observe: async (): Promise<ProcessObservation> => ({
      seen: { terminals: world.terminals, execs: world.execs, candidates: [shell, ...world.execs] },
      busy: world.busy,
      cpuPercent: 3,
      userOf: (uid) => (uid === 1000 ? "dev" : String(uid)),
      refreshed: true,
      ...(world.disk ? { disk: world.disk } : {}),
    }),
  };
  const published: Findings[] = [];
  const written: string[] = [];
  const log = makeLogger({ level: "error", write: () => {} });
  const loop = createAgentLoop({
    log,
    now: () => nowMs,
    agentStartMs: T0 - 20 * MIN,
    processes,
    procRoot: "/fake",
    sprite: () => world.sprite,
    keepAwake: () => world.keepAwake,
    terminalTimes: () => world.times,
    warner: createTerminalWarner({
      log,
      writeToTerminal: (_path, _tty, text) => {
        written.push(text);
        // The kernel moves the terminal's time by the write.
        world.times = { ...world.times!, mtimeMs: nowMs };
        return world.times;
      },
    }),
    publisher: createPublisher({
      sink: async (v) => {
        if (world.failPublish) throw new Error("API server unreachable");
        published.push(v);
      },
      heartbeatMs: MIN,
      log,
    }),
  });
  return { loop, world, published, written, advance: (ms: number) => (nowMs += ms) };
}

describe("the agent loop", () => {
  it("reports what the sources saw, and publishes first, on change and on the heartbeat only", async () => {
    const f = fixture();
    const first = await f.loop.tick();
    expect(first.published).toBe("first");
    expect(first.findings.report.sessions).toEqual([
      expect.objectContaining({ kind: "terminal", user: "dev", command: "bash", pid: 10, active: true, lastActivityTime: new Date(T0 - 2 * MIN).toISOString() }),
    ]);
    expect(first.findings.report.cpuPercent).toBe(3);
    f.advance(1000);
    expect((await f.loop.tick()).published).toBeUndefined();
    f.world.busy = [{ pid: 10, user: "dev", command: "bash", cpuPercent: 90, reason: "Cpu" }];
    expect((await f.loop.tick()).published).toBe("changed");
    f.advance(MIN);
    expect((await f.loop.tick()).published).toBe("heartbeat");
    expect(f.published).toHaveLength(3);
  });

  it("throws when publishing fails, and publishes at the next tick (the supervisor's retry)", async () => {
    const f = fixture();
    f.world.failPublish = true;
    await expect(f.loop.tick()).rejects.toThrow(/unreachable/);
    f.world.failPublish = false;
    expect((await f.loop.tick()).published).toBe("first");
  });

  it("carries on from the last activity the previous agent published", async () => {
    const f = fixture({ status: { lastActiveTime: new Date(T0 - MIN).toISOString() } });
    f.world.terminals = [];
    const { findings } = await f.loop.tick();
    expect(findings.lastActiveMs).toBe(T0 - MIN);
  });

  it("warns the terminals once when hibernation is near, and its own write is not activity", async () => {
    const f = fixture({ idleTimeoutMinutes: 4 });
    // The terminal was last used 3 minutes ago: with a 4-minute timeout it hibernates in 1 minute.
    f.world.times = { fdPath: "/fake/10/fd/0", atimeMs: T0 - 3 * MIN, mtimeMs: T0 - 3 * MIN };
    const { findings } = await f.loop.tick();
    expect(f.written).toHaveLength(1);
    expect(f.written[0]).toContain("hibernates at 12:01 UTC");
    expect(findings.report.sessions?.[0]?.lastActivityTime).toBe(new Date(T0 - 3 * MIN).toISOString());
    f.advance(1000);
    const later = await f.loop.tick();
    expect(f.written).toHaveLength(1);
    expect(later.findings.report.sessions?.[0]?.lastActivityTime).toBe(new Date(T0 - 3 * MIN).toISOString());
  });

  it("tells the terminals once when the volume grows past its size, and again only after it came back within", async () => {
    const f = fixture();
    const GiB = 1024 ** 3;
    f.world.sprite.spec.storageSize = "10Gi";
    const measured = (volumeBytes: number) => ({ usedBytes: 100 * GiB, totalBytes: 1000 * GiB, volumeBytes });
    f.world.disk = measured(9 * GiB);
    await f.loop.tick();
    expect(f.written).toEqual([]);
    f.world.disk = measured(11 * GiB);
    f.advance(1000);
    await f.loop.tick();
    f.advance(1000);
    await f.loop.tick();
    expect(f.written).toHaveLength(1);
    expect(f.written[0]).toContain("Puck: this Sprite's disk holds 11G, past its size of 10Gi");
    f.world.disk = measured(5 * GiB);
    f.advance(1000);
    await f.loop.tick();
    f.world.disk = measured(12 * GiB);
    f.advance(1000);
    await f.loop.tick();
    expect(f.written).toHaveLength(2);
  });

  it("counts a terminal whose times cannot be read as active, and never predicts its hibernation", async () => {
    const f = fixture({ idleTimeoutMinutes: 4 });
    f.world.times = undefined;
    const { findings } = await f.loop.tick();
    expect(findings.report.sessions?.[0]?.active).toBe(true);
    expect(f.written).toHaveLength(0);
  });

  it("reports a keep-alive from the keep-awake file", async () => {
    const f = fixture();
    f.world.keepAwake = { untilMs: T0 + 60 * MIN };
    const { findings } = await f.loop.tick();
    expect(findings.report.keepAwakeUntil).toBe(new Date(T0 + 60 * MIN).toISOString());
  });
});
