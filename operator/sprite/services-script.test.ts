// The services' supervisor run for real (the machine's /bin/sh and tools) on temp folders standing in
// for the ConfigMap volume and the home: start order, restart with backoff, failed after a crash loop,
// reverse-order stop with each one's grace, changes picked up live, the user's own declarations.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { servicesScript } from "./services-script.js";

interface Run {
  base: string;
  spec: string;
  user: string;
  run: string;
  log: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
}

let runs: Run[] = [];
afterEach(async () => {
  for (const r of runs) {
    // The programs run in sessions of their own: the supervisor's stop ends them; any left, by group.
    r.proc.kill("SIGTERM");
    await Promise.race([r.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    for (const f of existsSync(r.run) ? readdirSync(r.run).filter((n) => n.endsWith(".pid")) : []) {
      try {
        process.kill(-Number(read(join(r.run, f))), "SIGKILL");
      } catch {
        // gone already
      }
    }
    r.proc.kill("SIGKILL");
    rmSync(r.base, { recursive: true, force: true });
  }
  runs = [];
});

function start(declare: (spec: string, user: string) => void, env: Record<string, string> = {}): Run {
  const base = mkdtempSync(join(tmpdir(), "puck-services-"));
  const home = join(base, "home");
  const spec = join(base, "spec");
  const user = join(home, ".puck/services.d");
  mkdirSync(spec);
  mkdirSync(user, { recursive: true });
  declare(spec, user);
  const proc = spawn("/bin/sh", ["-c", servicesScript()], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, PUCK_SERVICES_SPEC: spec, PUCK_SERVICES_TICK: "0.2", ...env },
    stdio: "ignore",
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const r = { base, spec, user, run: join(home, ".puck/run"), log: join(home, ".puck/log"), proc, exited };
  runs.push(r);
  return r;
}

const read = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : "");
function state(r: Run, name: string): Record<string, string> {
  return Object.fromEntries(read(join(r.run, `${name}.state`)).split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

/** A log's index (NAME.log.idx): when the supervisor saw it at which size. */
const index = (r: Run, file: string) =>
  read(join(r.log, file))
    .split("\n")
    .filter(Boolean)
    .map((line) => ({ epoch: Number(line.split(" ")[0]), size: Number(line.split(" ")[1]) }));

/** Waits for a condition with a deadline; on failure says what the services' files showed. */
async function until(r: Run, what: string, check: () => boolean, ms = 15000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) {
      const seen = ["a", "b", "c", "web", "crash"].map((n) => `${n}: ${JSON.stringify(state(r, n))} log=${JSON.stringify(read(join(r.log, `${n}.log`)).slice(-300))}`);
      throw new Error(`timed out waiting for ${what}\n${seen.join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A program that logs its start and, on TERM, logs, takes `stopMs` to stop cleanly, and logs again. */
const program = (name: string, events: string, stopMs = 0) =>
  `command='trap "echo stop-${name} >> ${events}; sleep ${stopMs / 1000}; echo stopped-${name} >> ${events}; exit 0" TERM; echo start-${name} >> ${events}; while :; do sleep 1; done'\n`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("the services' supervisor", () => {
  it("starts services in order, one after another's port accepts; on TERM stops them in reverse order, each given its grace", async () => {
    let events = "";
    const port = await freePort();
    const r = start((spec) => {
      events = join(spec, "..", "events");
      writeFileSync(join(spec, "01-a"), program("a", events, 300));
      // b comes after c although declared before it: it starts once c listens.
      writeFileSync(join(spec, "02-b"), `after=c\n${program("b", events, 300)}`);
      writeFileSync(join(spec, "03-c"), `port=${port}\ncommand='echo start-c >> ${events}; exec node -e "require(\\"net\\").createServer().listen(${port}, \\"127.0.0.1\\")"'\n`);
    });
    await until(r, "all three running", () => ["a", "b", "c"].every((n) => state(r, n).state === "running"));
    // Launched in the spec's order, each without waiting for the one before (a and c race); b only
    // once c accepted connections.
    const started = read(events).split("\n").filter(Boolean);
    expect([...started].sort()).toEqual(["start-a", "start-b", "start-c"]);
    expect(started.indexOf("start-b")).toBeGreaterThan(started.indexOf("start-c"));
    expect(state(r, "a").source).toBe("spec");
    r.proc.kill("SIGTERM");
    expect(await r.exited).toBe(0);
    // Reverse order of start (b, c, a), each stopped cleanly before the next is asked.
    expect(read(events).split("\n").filter(Boolean).slice(3)).toEqual(["stop-b", "stopped-b", "stop-a", "stopped-a"]);
    expect(state(r, "a").state).toBe("stopped");
  });

  it("a service waiting for another starts soon after that one runs, not a whole tick later", async () => {
    const r = start(
      (spec) => {
        writeFileSync(join(spec, "01-a"), `command='exec sleep 1000'\n`);
        writeFileSync(join(spec, "02-b"), `after=a\ncommand='exec sleep 1000'\n`);
      },
      { PUCK_SERVICES_TICK: "30" },
    );
    // The first pass starts a and finds it not running yet; b must not wait the 30 s tick.
    await until(r, "b running", () => state(r, "b").state === "running", 5000);
  });

  it("restarts a service that exits, with a growing backoff, and marks one that crashes in a loop failed with its last exit and output", async () => {
    const r = start((spec) => writeFileSync(join(spec, "01-crash"), `command='echo boom; exit 3'\n`), { PUCK_FAST_EXIT: "30" });
    await until(r, "the crash loop to be failed", () => state(r, "crash").state === "failed", 40000);
    const s = state(r, "crash");
    expect(s).toMatchObject({ restarts: "5", lastExit: "3" });
    expect(s.message).toMatch(/exited 5 times/);
    expect(read(join(r.run, "crash.last"))).toMatch(/boom/);
    // Backoff: starts 1, 2, 4, 8 s apart (1 s stamps: each gap at least its delay less a second).
    const starts = read(join(r.log, "crash.log")).split("\n").filter((l) => l.includes("starting crash")).map((l) => Date.parse(l.split(" ")[1]!));
    expect(starts).toHaveLength(5);
    const gaps = starts.slice(1).map((t, i) => (t - starts[i]!) / 1000);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(2 ** i - 1));
    expect(gaps[3]).toBeGreaterThanOrEqual(7);
  }, 45000);

  it("SIGKILLs a service that outlives its grace, and the stop still ends", async () => {
    const r = start((spec) => writeFileSync(join(spec, "01-a"), `grace=1\ncommand='trap "" TERM; while :; do sleep 1; done'\n`));
    await until(r, "a running", () => state(r, "a").state === "running");
    const pid = Number(read(join(r.run, "a.pid")));
    const t0 = Date.now();
    r.proc.kill("SIGTERM");
    expect(await r.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it("picks up changes live: a new service starts, a changed one restarts, a stopped one stops, a removed one goes", async () => {
    const r = start((spec) => writeFileSync(join(spec, "01-a"), `command='echo a1; while :; do sleep 1; done'\n`));
    await until(r, "a running", () => state(r, "a").state === "running");
    const firstPid = read(join(r.run, "a.pid"));
    writeFileSync(join(r.spec, "01-a"), `command='echo a2; while :; do sleep 1; done'\n`);
    writeFileSync(join(r.spec, "02-b"), `command='while :; do sleep 1; done'\n`);
    await until(r, "a restarted and b running", () => read(join(r.log, "a.log")).includes("a2") && state(r, "b").state === "running");
    expect(read(join(r.run, "a.pid"))).not.toBe(firstPid);
    writeFileSync(join(r.spec, "02-b"), `stopped=yes\ncommand='while :; do sleep 1; done'\n`);
    // Its runner says stopped first, then the supervisor why.
    await until(r, "b stopped by hand", () => state(r, "b").message === "stopped by hand");
    expect(state(r, "b").state).toBe("stopped");
    unlinkSync(join(r.spec, "01-a"));
    await until(r, "a gone", () => !existsSync(join(r.run, "a.state")));
  });

  it("runs the user's own declarations after the operator's, and the operator's wins a name both declare", async () => {
    let events = "";
    const r = start((spec, user) => {
      events = join(spec, "..", "events");
      writeFileSync(join(spec, "01-a"), program("a", events));
      writeFileSync(join(user, "a"), program("a-from-user", events));
      writeFileSync(join(user, "c"), program("c", events));
      // Not a service's name (an editor's backup): ignored.
      writeFileSync(join(user, "c~"), program("backup", events));
    });
    await until(r, "a and c running", () => state(r, "a").state === "running" && state(r, "c").state === "running");
    expect(read(events).split("\n").filter(Boolean).sort()).toEqual(["start-a", "start-c"]);
    expect(state(r, "c").source).toBe("sprite");
  });

  it("rotates a log past its size into NAME.log.1", async () => {
    const r = start((spec) => writeFileSync(join(spec, "01-a"), `command='echo first; sleep 1; i=0; while [ $i -lt 400 ]; do echo 0123456789012345678901234567890123456789; i=$((i+1)); done; while :; do sleep 1; done'\n`), {
      PUCK_LOG_MAX: "4096",
      PUCK_LOG_CHECK_TICKS: "1",
    });
    // Its 16 KB went to a.log.1 whole; a.log starts again empty (the program appends, so it goes on at 0).
    await until(r, "the log rotated", () => read(join(r.log, "a.log.1")).length > 16000 && read(join(r.log, "a.log")).length < 4096, 20000);
    // Its index (noted while it was small) went with it; the new one starts at size 0, at the rotation.
    await until(r, "the new index", () => read(join(r.log, "a.log.idx")) !== "");
    expect(index(r, "a.log.idx")[0]?.size).toBe(0);
    expect(index(r, "a.log.1.idx").at(-1)!.size).toBeLessThanOrEqual(read(join(r.log, "a.log.1")).length);
  }, 25000);

  it("notes in NAME.log.idx when each log grew, the sizes --since reads", async () => {
    const r = start((spec) => writeFileSync(join(spec, "01-a"), `command='while :; do echo tick; sleep 0.3; done'\n`), { PUCK_LOG_CHECK_TICKS: "1" });
    const before = Math.floor(Date.now() / 1000);
    await until(r, "five index entries", () => index(r, "a.log.idx").length >= 5);
    const entries = index(r, "a.log.idx");
    // Each entry is a size the log had at that second: growing, and never past what the file holds.
    for (const [i, e] of entries.entries()) {
      expect(e.epoch).toBeGreaterThanOrEqual(before);
      if (i > 0) expect(e.size).toBeGreaterThan(entries[i - 1]!.size);
      if (i > 0) expect(e.epoch).toBeGreaterThanOrEqual(entries[i - 1]!.epoch);
    }
    expect(entries.at(-1)!.size).toBeLessThanOrEqual(read(join(r.log, "a.log")).length);
  });
});
