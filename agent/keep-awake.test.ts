import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../e2e/lib/wait.js";
import { parseKeepAwake, type KeepAwake } from "./keep-awake.js";
import { watchKeepAwake, type KeepAwakeWatcher } from "./keep-awake-watcher.js";
import { makeLogger } from "./logger.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");

describe("parseKeepAwake", () => {
  const cases: { name: string; text: string | undefined; want: KeepAwake | RegExp }[] = [
    { name: "no file means no keep-alive", text: undefined, want: { absent: true } },
    { name: "a future UTC time is a keep-alive", text: "2026-01-01T14:00:00Z\n", want: { untilMs: NOW + 2 * 3600_000 } },
    { name: "an offset is honoured", text: "2026-01-01T14:00:00+01:00", want: { untilMs: NOW + 3600_000 } },
    { name: "fractional seconds are accepted", text: "2026-01-01T12:00:01.500Z", want: { untilMs: NOW + 1500 } },
    { name: "an expired time is ignored, saying when it expired", text: "2026-01-01T11:00:00Z", want: /expired at 2026-01-01T11:00:00.000Z/ },
    { name: "an empty file is ignored", text: "  \n", want: /empty/ },
    { name: "a duration instead of a time is ignored", text: "2h", want: /"2h" is not an RFC 3339 time/ },
    { name: "a date without a time zone is ignored: it would be ambiguous", text: "2026-01-01T14:00:00", want: /not an RFC 3339 time/ },
    { name: "an impossible date is ignored", text: "2026-13-45T14:00:00Z", want: /not a valid date/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = parseKeepAwake(c.text, NOW);
      if (c.want instanceof RegExp) expect("ignored" in got && got.ignored).toMatch(c.want);
      else expect(got).toEqual(c.want);
    });
  }
});

describe("watchKeepAwake with real files", () => {
  let home: string;
  let watcher: KeepAwakeWatcher | undefined;
  afterEach(async () => {
    await watcher?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("sees the directory and file created after it started, changes, bad content and removal", async () => {
    home = mkdtempSync(join(tmpdir(), "puck-home-"));
    const lines: string[] = [];
    const log = makeLogger({ level: "debug", write: (l) => lines.push(l) });
    const events: KeepAwake[] = [];
    watcher = watchKeepAwake({ homeDir: home, log, now: Date.now, onChange: (v) => events.push(v) });
    await watcher.ready;
    expect(watcher.current()).toEqual({ absent: true });

    const dir = join(home, ".puck");
    const future = new Date(Date.now() + 3600_000).toISOString();
    mkdirSync(dir);
    writeFileSync(join(dir, ".tmp"), future);
    renameSync(join(dir, ".tmp"), join(dir, "keep-awake")); // as keepawake writes it
    await waitFor(() => "untilMs" in watcher!.current(), { what: "the new keep-alive", timeoutMs: 5000, describe: () => lines });
    expect(watcher.current()).toEqual({ untilMs: Date.parse(future) });

    writeFileSync(join(dir, "keep-awake"), "soon");
    await waitFor(() => "ignored" in watcher!.current(), { what: "the malformed keep-alive", timeoutMs: 5000, describe: () => lines });
    expect(lines.some((l) => l.includes("Ignored keep-alive file") && l.includes("is not an RFC 3339 time"))).toBe(true);

    rmSync(join(dir, "keep-awake"));
    await waitFor(() => "absent" in watcher!.current(), { what: "the removal", timeoutMs: 5000, describe: () => lines });
    expect(events.length).toBeGreaterThanOrEqual(3);
  });

  it("reads a keep-alive that exists before it starts", async () => {
    home = mkdtempSync(join(tmpdir(), "puck-home-"));
    mkdirSync(join(home, ".puck"));
    const until = new Date(Date.now() + 600_000).toISOString();
    writeFileSync(join(home, ".puck", "keep-awake"), until);
    watcher = watchKeepAwake({ homeDir: home, log: makeLogger({ level: "error", write: () => {} }), now: Date.now, onChange: () => {} });
    expect(watcher.current()).toEqual({ untilMs: Date.parse(until) });
  });
});

describe("the keepawake command", () => {
  const script = resolve("images/sprite/keepawake");
  // dash is /bin/sh on Debian; busybox too when this machine has it (alpine-like Sprites).
  const shells = [["sh"], ...(spawnSync("busybox", ["true"]).status === 0 ? [["busybox", "sh"]] : [])];
  let home: string;
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  for (const shell of shells) {
    const run = (...args: string[]) => spawnSync(shell[0]!, [...shell.slice(1), script, ...args], { env: { ...process.env, PUCK_HOME_DIR: home }, encoding: "utf8" });
    it(`writes a time the agent accepts, and removes it (${shell.join(" ")})`, () => {
      home = mkdtempSync(join(tmpdir(), "puck-home-"));
      const cases: { args: string[]; minMs: number; maxMs: number }[] = [
        { args: ["2h"], minMs: 2 * 3600_000 - 5000, maxMs: 2 * 3600_000 + 5000 },
        { args: ["30m"], minMs: 30 * 60_000 - 5000, maxMs: 30 * 60_000 + 5000 },
        { args: ["90s"], minMs: 85_000, maxMs: 95_000 },
        { args: ["1d"], minMs: 86_400_000 - 5000, maxMs: 86_400_000 + 5000 },
      ];
      for (const c of cases) {
        const r = run(...c.args);
        expect(r.status, r.stderr).toBe(0);
        const parsed = parseKeepAwake(readFileSync(join(home, ".puck", "keep-awake"), "utf8"), Date.now());
        expect("untilMs" in parsed && parsed.untilMs - Date.now()).toBeGreaterThan(c.minMs);
        expect("untilMs" in parsed && parsed.untilMs - Date.now()).toBeLessThan(c.maxMs);
      }
      expect(run("until", "2099-01-02T03:04:05Z").status).toBe(0);
      expect(readFileSync(join(home, ".puck", "keep-awake"), "utf8").trim()).toBe("2099-01-02T03:04:05Z");
      expect(run("off").status).toBe(0);
      expect(() => readFileSync(join(home, ".puck", "keep-awake"))).toThrow();
    });

    it(`rejects bad input with one line naming the problem (${shell.join(" ")})`, () => {
      home = mkdtempSync(join(tmpdir(), "puck-home-"));
      const cases: { args: string[]; message: RegExp }[] = [
        { args: ["2x"], message: /'2x' is not a duration/ },
        { args: ["soon"], message: /'soon' is not a duration/ },
        { args: ["until", "2001-01-01T00:00:00Z"], message: /is in the past/ },
        { args: ["until", "tomorrowish"], message: /cannot read the time 'tomorrowish'/ },
        { args: [], message: /usage: keepawake/ },
      ];
      for (const c of cases) {
        const r = run(...c.args);
        expect(r.status).toBe(2);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.stderr).toMatch(c.message);
      }
    });
  }
});
