// Host tests with real processes: node-pty terminals, a CPU burner, a sleeper, an exec-like child,
// seen through the real /proc by the real scanner, sampler and loop (only the publish is captured).
import { spawn, spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import * as pty from "node-pty";
import { afterEach, describe, expect, it } from "vitest";
import type { Sprite } from "../operator/api/index.js";
import { waitFor } from "../e2e/lib/wait.js";
import { createAgentLoop, type TickResult } from "./agent-loop.js";
import type { Findings } from "./aggregate.js";
import { createCpuSampler, defaultUsageSource } from "./cpu-sampler.js";
import { makeLogger, type Logger } from "./logger.js";
import { createProcessSource } from "./process-source.js";
import { createProcScanner } from "./proc-scanner.js";
import { createPublisher } from "./publisher.js";
import { createTerminalWarner } from "./terminal-warner.js";

const sprite = (idleTimeoutMinutes: number, activity: Sprite["spec"]["activity"] = {}): Sprite => ({
  apiVersion: "puck.sandwich.labs/v1alpha1",
  kind: "Sprite",
  metadata: { name: "host", namespace: "test" },
  spec: { image: "x", idleTimeoutMinutes, activity },
});

function makeLoop(options: { clockOffsetMs?: () => number; sprite?: Sprite | (() => Sprite); cpuWindowMs?: number } = {}) {
  const published: Findings[] = [];
  const logs: string[] = [];
  const now = () => Date.now() + (options.clockOffsetMs?.() ?? 0);
  const spriteNow = () => (typeof options.sprite === "function" ? options.sprite() : (options.sprite ?? sprite(30)));
  const loop = realLoop({ log: makeLogger({ level: "debug", write: (l) => logs.push(l) }), now, sprite: spriteNow, published, cpuWindowMs: options.cpuWindowMs ?? 2000 });
  let last: TickResult | undefined;
  /** Ticks until `check` holds, at most `timeoutMs`; fails showing the last findings. */
  const until = (what: string, check: (v: Findings) => boolean, timeoutMs = 8000) =>
    waitFor(
      async () => {
        last = await loop.tick();
        return last && check(last.findings) ? last.findings : undefined;
      },
      { what, timeoutMs, intervalMs: 200, describe: () => ({ report: last?.findings.report, activeSessions: last?.findings.activeSessions }) },
    );
  return { loop, published, logs, until };
}

/** The real sources over the real /proc; only the publish is captured. */
function realLoop(o: { log: Logger; now: () => number; sprite: () => Sprite; published: Findings[]; cpuWindowMs: number }) {
  return createAgentLoop({
    log: o.log,
    now: o.now,
    agentStartMs: Date.now(),
    processes: createProcessSource({
      log: o.log,
      now: o.now,
      scanner: createProcScanner(),
      cpu: createCpuSampler(defaultUsageSource(200)),
      // On the host the test process stands in for the container runtime: its children are sessions.
      classifyOptions: { selfPid: -1, sessionParentPid: process.pid },
      procRoot: "/proc",
      cpuWindowMs: o.cpuWindowMs,
    }),
    procRoot: "/proc",
    sprite: o.sprite,
    keepAwake: () => ({ absent: true }),
    warner: createTerminalWarner({ log: o.log }),
    publisher: createPublisher({ sink: async (v) => void o.published.push(v), heartbeatMs: 60_000, log: o.log }),
  });
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe("terminals from node-pty", () => {
  it("sees a new terminal, its typing, its silence past the idle timeout and its end", async () => {
    let offset = 0;
    const { until, published } = makeLoop({ clockOffsetMs: () => offset });
    const term = pty.spawn("sh", [], { name: "xterm", cols: 80, rows: 24, env: { PATH: process.env.PATH ?? "", PS1: "$ " } });
    cleanups.push(() => term.kill());
    const session = (v: Findings) => v.report.sessions?.find((s) => s.kind === "terminal" && s.pid === term.pid);

    // A scan that lands inside the shell's exec reads an empty command line ("[sh]" until the next
    // scan re-reads it): wait for the settled command.
    const opened = await until("the new terminal", (v) => session(v)?.active === true && session(v)?.command === "sh");
    expect(session(opened)).toMatchObject({ tty: expect.stringMatching(/^pts\/\d+$/), command: "sh", active: true });
    expect(opened.activeSessions).toBeGreaterThanOrEqual(1);
    expect(published.length).toBeGreaterThanOrEqual(1);

    // The kernel moves a terminal's times only when they differ in more than the low 3 bits of
    // the seconds: type into it until its time moves past what was seen at the start.
    const first = Date.parse(session(opened)!.lastActivityTime!);
    const typed = await until(
      "the typing to move the terminal's time",
      (v) => {
        term.write("echo hi\r");
        return Date.parse(session(v)?.lastActivityTime ?? "0") > first;
      },
      15_000,
    );
    expect(Date.parse(session(typed)!.lastActivityTime!)).toBeGreaterThan(Date.now() - 10_000);

    // Silence: the same terminal, seen 31 minutes later, no longer counts.
    offset = 31 * 60_000;
    const silent = await until("the silent terminal to stop counting", (v) => session(v)?.active === false);
    expect(session(silent)?.active).toBe(false);
    offset = 0;

    term.kill();
    const closed = await until("the closed terminal to disappear", (v) => session(v) === undefined);
    expect(closed.report.sessions?.some((s) => s.pid === term.pid)).toBe(false);
  });
});

describe("watching is not working", () => {
  it("a terminal that only prints (watch date) stays dated by its last input; typing moves it", async () => {
    const { until } = makeLoop();
    // The kernel moves a terminal's atime when a program reads input from it and its mtime when one
    // writes to it, in 8-second steps: a printing loop moves only the mtime.
    const printer = pty.spawn("sh", ["-c", "while :; do date; sleep 1; done"], { env: { PATH: process.env.PATH ?? "" } });
    cleanups.push(() => printer.kill());
    const session = (v: Findings) => v.report.sessions?.find((s) => s.kind === "terminal" && s.pid === printer.pid);
    const opened = await until("the printing terminal", (v) => session(v) !== undefined);
    const openedAt = Date.parse(session(opened)!.lastActivityTime!);
    await waitFor(() => statSync(`/proc/${printer.pid}/fd/1`).mtimeMs > openedAt, { what: "the output to move the terminal's mtime", timeoutMs: 20_000, intervalMs: 250 });
    const printed = await until("a scan after the output", () => true);
    expect(Date.parse(session(printed)!.lastActivityTime!)).toBe(openedAt);

    // Input is read by the shell: it counts.
    const typist = pty.spawn("sh", [], { env: { PATH: process.env.PATH ?? "", PS1: "$ " } });
    cleanups.push(() => typist.kill());
    const typed = (v: Findings) => v.report.sessions?.find((s) => s.kind === "terminal" && s.pid === typist.pid);
    const first = await until("the typist's terminal", (v) => typed(v) !== undefined);
    const firstAt = Date.parse(typed(first)!.lastActivityTime!);
    await until(
      "typing to move the terminal's time",
      (v) => {
        typist.write("true\r");
        return Date.parse(typed(v)?.lastActivityTime ?? "0") > firstAt;
      },
      20_000,
    );
  });
});

describe("processes without a terminal", () => {
  it("counts a running child as an exec session while it runs", async () => {
    const { until } = makeLoop();
    const child = spawn("sleep", ["60"], { stdio: "ignore" });
    cleanups.push(() => child.kill());
    const running = await until("the exec session", (v) => v.report.sessions?.some((s) => s.kind === "exec" && s.pid === child.pid && s.active) === true);
    expect(running.report.sessions?.find((s) => s.pid === child.pid)?.command).toBe("sleep 60");
    child.kill();
    await until("the exec session to end", (v) => !v.report.sessions?.some((s) => s.pid === child.pid));
  });

  it("marks a detached CPU burner busy and forgets it when it stops, but never a sleeper", async () => {
    const { until } = makeLoop({ cpuWindowMs: 2000 });
    // Detached through an exiting shell, as nohup ... & does: neither is a session then.
    const started = spawnSync("sh", ["-c", "sh -c 'while :; do :; done' >/dev/null 2>&1 & echo $!; sleep 60 >/dev/null 2>&1 & echo $!"], { encoding: "utf8" });
    const [burner, sleeper] = started.stdout.trim().split("\n").map(Number) as [number, number];
    cleanups.push(() => {
      for (const pid of [burner, sleeper]) {
        try {
          process.kill(pid);
        } catch {
          // already gone
        }
      }
    });
    const busy = await until("the burner to be busy", (v) => v.report.busyProcesses?.some((b) => b.pid === burner) === true);
    expect(busy.report.busyProcesses?.find((b) => b.pid === burner)).toMatchObject({ reason: "Cpu", command: expect.stringContaining("while :") });
    expect(busy.report.busyProcesses?.find((b) => b.pid === burner)?.cpuPercent).toBeGreaterThanOrEqual(10);
    expect(busy.report.busyProcesses?.some((b) => b.pid === sleeper)).toBe(false);
    expect(busy.report.sessions?.some((s) => s.pid === burner || s.pid === sleeper)).toBe(false);
    process.kill(burner);
    await until("the burner to stop counting", (v) => !v.report.busyProcesses?.some((b) => b.pid === burner));
  });

  it("marks busy a loop whose work is done by short-lived commands it forks (as make's recipes are)", async () => {
    const { until } = makeLoop({ cpuWindowMs: 2000 });
    // Each `sh -c` child computes a little and exits: no scan ever catches one running.
    const started = spawnSync(
      "sh",
      ["-c", "sh -c 'while :; do sh -c \"i=0; while [ \\$i -lt 3000 ]; do i=\\$((i+1)); done\"; done' >/dev/null 2>&1 & echo $!"],
      { encoding: "utf8" },
    );
    const forker = Number(started.stdout.trim());
    cleanups.push(() => {
      try {
        process.kill(forker);
      } catch {
        // already gone
      }
    });
    const busy = await until("the forking loop to be busy", (v) => v.report.busyProcesses?.some((b) => b.pid === forker) === true);
    expect(busy.report.busyProcesses?.find((b) => b.pid === forker)?.cpuPercent).toBeGreaterThanOrEqual(10);
  });

  it("marks a process busy by command pattern however idle it is", async () => {
    const { until } = makeLoop({ sprite: sprite(30, { busyCommands: ["^sleep 61$"] }) });
    const child = spawnSync("sh", ["-c", "sleep 61 >/dev/null 2>&1 & echo $!"], { encoding: "utf8" });
    const pid = Number(child.stdout.trim());
    cleanups.push(() => process.kill(pid));
    const v = await until("the matching command", (x) => x.report.busyProcesses?.some((b) => b.pid === pid) === true);
    expect(v.report.busyProcesses?.find((b) => b.pid === pid)?.reason).toBe("Command");
  });
});

describe("the hibernation warning", () => {
  it("writes one line to a real terminal and does not count it as the user's activity", async () => {
    const term = pty.spawn("sh", [], { env: { PATH: process.env.PATH ?? "", PS1: "$ " } });
    cleanups.push(() => term.kill());
    let screen = "";
    term.onData((d) => (screen += d));
    let hibernatesAt: string | undefined = undefined;
    const withStatus = (): Sprite => ({ ...sprite(30), status: hibernatesAt ? { hibernatesAt } : {} });
    const published: Findings[] = [];
    const loop = realLoop({ log: makeLogger({ level: "error", write: () => {} }), now: Date.now, sprite: withStatus, published, cpuWindowMs: 2000 });
    const session = (v: Findings | undefined) => v?.report.sessions?.find((s) => s.pid === term.pid);
    const before = await waitFor(async () => session((await loop.tick())?.findings), { what: "the terminal", timeoutMs: 5000, intervalMs: 100 });

    // The kernel moves a terminal's time only into a new 8-second step: wait for one, so that the
    // warning really moves the terminal's time and the test proves it is not taken for activity.
    const step = (ms: number) => Math.floor(ms / 8000);
    const beforeMs = Date.parse(before.lastActivityTime!);
    await waitFor(() => step(Date.now()) > step(beforeMs), { what: "the next 8-second step", timeoutMs: 10_000, intervalMs: 100 });
    const justBefore = session((await loop.tick())?.findings)!;
    hibernatesAt = new Date(Date.now() + 2 * 60_000).toISOString();
    const after = await loop.tick();
    const raw = statSync(`/proc/${term.pid}/fd/0`);
    expect(Math.max(raw.mtimeMs, raw.atimeMs)).toBeGreaterThan(beforeMs);
    await waitFor(() => screen.includes("hibernates at"), { what: "the warning on the screen", timeoutMs: 5000, describe: () => screen });
    expect(screen).toContain("keepawake 1h");
    expect(session(after?.findings)?.lastActivityTime).toBe(justBefore.lastActivityTime);
    // Later ticks still see the terminal's time from before the warning, and warn only once.
    const later = await loop.tick();
    expect(session(later?.findings)?.lastActivityTime).toBe(justBefore.lastActivityTime);
    expect(screen.split("hibernates at").length - 1).toBe(1);
  });
});

describe("the restart warning", () => {
  it("writes one line to a real terminal when the operator schedules a restart for the user's change", async () => {
    const term = pty.spawn("sh", [], { env: { PATH: process.env.PATH ?? "", PS1: "$ " } });
    cleanups.push(() => term.kill());
    let screen = "";
    term.onData((d) => (screen += d));
    let restartsAt: string | undefined = undefined;
    const { loop } = makeLoop({ sprite: (): Sprite => ({ ...sprite(30), status: restartsAt ? { restartsAt } : {} }) });
    const session = (r: TickResult | undefined) => r?.findings.report.sessions?.find((s) => s.pid === term.pid);
    // 15 s: on a busy machine seeing the new terminal took over 5 s once.
    await waitFor(async () => session(await loop.tick()), { what: "the terminal", timeoutMs: 15_000, intervalMs: 100 });
    await loop.tick();
    expect(screen).not.toContain("restarts at");

    restartsAt = new Date(Date.now() + 20_000).toISOString();
    await loop.tick();
    await waitFor(() => screen.includes("restarts at"), { what: "the restart warning on the screen", timeoutMs: 15_000, describe: () => screen });
    expect(screen).toContain("image or resources");
    await loop.tick();
    expect(screen.split("restarts at").length - 1).toBe(1);
  }, 40_000);
});
