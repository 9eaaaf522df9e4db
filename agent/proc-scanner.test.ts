import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createProcScanner, parseStat, ttyName } from "./proc-scanner.js";

const BTIME = 1_700_000_000;

/** Builds a fake /proc: a stat file with btime, and per process a stat, a cmdline and a cgroup. */
function fakeProc(): { root: string; add: (pid: number, stat: string, cmdline?: string) => void; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), "puck-proc-"));
  writeFileSync(join(root, "stat"), `cpu  1 2 3\nbtime ${BTIME}\nprocesses 9\n`);
  return {
    root,
    add: (pid, stat, cmdline = "") => {
      mkdirSync(join(root, String(pid)));
      writeFileSync(join(root, String(pid), "stat"), stat);
      writeFileSync(join(root, String(pid), "cmdline"), cmdline);
      writeFileSync(join(root, String(pid), "cgroup"), "0::/\n");
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A stat line: pid (comm) state ppid pgrp sid tty_nr tpgid flags ... utime(14) stime(15) ... starttime(22). */
const statLine = (pid: number, comm: string, o: { ppid?: number; sid?: number; tty?: number; tpgid?: number; flags?: number; utime?: number; start?: number } = {}) =>
  `${pid} (${comm}) S ${o.ppid ?? 1} ${pid} ${o.sid ?? pid} ${o.tty ?? 0} ${o.tpgid ?? -1} ${o.flags ?? 4194560} 0 0 0 0 ${o.utime ?? 0} 5 0 0 20 0 1 0 ${o.start ?? 1000} 1000 100 0\n`;

describe("parseStat", () => {
  const cases: { name: string; line: string; comm: string; ppid: number; tty: number }[] = [
    { name: "a plain comm", line: statLine(5, "bash", { ppid: 3, tty: 34816 }), comm: "bash", ppid: 3, tty: 34816 },
    { name: "a comm with spaces and parentheses is read up to the last ')'", line: statLine(6, "a (b) c", { ppid: 4 }), comm: "a (b) c", ppid: 4, tty: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = parseStat(c.line);
      expect(s?.comm).toBe(c.comm);
      expect(s?.ppid).toBe(c.ppid);
      expect(s?.ttyNr).toBe(c.tty);
    });
  }
  it("rejects a truncated line", () => expect(parseStat("12 (x) S 1 2")).toBeUndefined());
});

describe("ttyName", () => {
  const cases: [string, number, string][] = [
    ["pts/0 is major 136 minor 0", (136 << 8) | 0, "pts/0"],
    ["pts/5", (136 << 8) | 5, "pts/5"],
    ["pts/300 spills into the next major", (137 << 8) | 44, "pts/300"],
    ["the first console", (4 << 8) | 1, "tty1"],
  ];
  for (const [name, nr, want] of cases) it(name, () => expect(ttyName(nr)).toBe(want));
});

describe("createProcScanner on a fake /proc", () => {
  let proc: ReturnType<typeof fakeProc>;
  afterEach(() => proc.remove());

  it("lists processes with their command, times and terminal", () => {
    proc = fakeProc();
    proc.add(1, statLine(1, "pause", { ppid: 0, start: 100 }), "/pause\0");
    proc.add(42, statLine(42, "bash", { ppid: 0, tty: 34817, tpgid: 42, utime: 7, start: 250 }), "bash\0-l\0");
    mkdirSync(join(proc.root, "self"));
    const list = createProcScanner({ procRoot: proc.root }).scan();
    const bash = list.find((p) => p.pid === 42);
    expect(list.map((p) => p.pid).sort()).toEqual([1, 42]);
    expect(bash).toMatchObject({ ppid: 0, ttyNr: 34817, tpgid: 42, comm: "bash", cmdline: "bash -l", cpuTicks: 12, kernelThread: false, cgroup: "0::/" });
    expect(bash?.startTimeMs).toBe(BTIME * 1000 + 2500);
  });

  it("skips a process that vanished between listing and reading", () => {
    proc = fakeProc();
    proc.add(7, statLine(7, "ok"), "ok\0");
    mkdirSync(join(proc.root, "8")); // listed, but no stat: it exited mid-scan
    expect(createProcScanner({ procRoot: proc.root }).scan().map((p) => p.pid)).toEqual([7]);
  });

  it("shows a process without a command line as its comm in brackets, and flags kernel threads", () => {
    proc = fakeProc();
    proc.add(2, statLine(2, "kthreadd", { ppid: 0, flags: 0x00208040 }));
    expect(createProcScanner({ procRoot: proc.root }).scan()[0]).toMatchObject({ cmdline: "[kthreadd]", kernelThread: true });
  });

  it("re-reads the command line when a process execs (its comm changes)", () => {
    proc = fakeProc();
    proc.add(9, statLine(9, "sh"), "sh\0-c\0make\0");
    const scanner = createProcScanner({ procRoot: proc.root });
    expect(scanner.scan()[0]?.cmdline).toBe("sh -c make");
    writeFileSync(join(proc.root, "9", "stat"), statLine(9, "make"));
    writeFileSync(join(proc.root, "9", "cmdline"), "make\0-j2\0");
    expect(scanner.scan()[0]?.cmdline).toBe("make -j2");
  });

  it("reads a command line that was still empty (between fork and exec) again, even without refresh", () => {
    proc = fakeProc();
    proc.add(11, statLine(11, "bash"), "");
    const scanner = createProcScanner({ procRoot: proc.root });
    expect(scanner.scan()[0]?.cmdline).toBe("[bash]");
    writeFileSync(join(proc.root, "11", "cmdline"), "bash\0");
    expect(scanner.scan({ refresh: false })[0]?.cmdline).toBe("bash");
  });

  it("leaves out the runtime setting up an exec (runc init) until it becomes the program", () => {
    proc = fakeProc();
    proc.add(47, statLine(47, "runc:[2:INIT]", { ppid: 0 }), "runc\0init\0");
    const scanner = createProcScanner({ procRoot: proc.root });
    expect(scanner.scan()).toEqual([]);
    writeFileSync(join(proc.root, "47", "stat"), statLine(47, "bash", { ppid: 0, tty: 34816, tpgid: 47 }));
    writeFileSync(join(proc.root, "47", "cmdline"), "bash\0-l\0");
    expect(scanner.scan({ refresh: false })[0]).toMatchObject({ pid: 47, cmdline: "bash -l", ttyNr: 34816 });
  });

  it("fails with the path when /proc has no boot time", () => {
    proc = fakeProc();
    writeFileSync(join(proc.root, "stat"), "cpu 1\n");
    expect(() => createProcScanner({ procRoot: proc.root })).toThrow(/no btime line/);
  });
});

describe("createProcScanner on the real /proc", () => {
  it("sees a real child with its parent, command line and start time", async () => {
    const before = Date.now();
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await new Promise((r) => child.once("spawn", r));
      const scanner = createProcScanner();
      // The child may still be the forked node for an instant before exec: wait until it is sleep.
      let seen;
      for (let i = 0; i < 100 && seen?.comm !== "sleep"; i++) {
        seen = scanner.scan().find((p) => p.pid === child.pid);
        if (seen?.comm !== "sleep") await new Promise((r) => setImmediate(r));
      }
      expect(seen).toMatchObject({ ppid: process.pid, comm: "sleep", cmdline: "sleep 30", ttyNr: 0, uid: process.getuid?.() });
      // Start times have the kernel's 10 ms tick and boot-time rounding: allow a second.
      expect(Math.abs(seen!.startTimeMs - before)).toBeLessThan(1500);
      child.kill();
      await new Promise((r) => child.once("exit", r));
      expect(scanner.scan().find((p) => p.pid === child.pid)).toBeUndefined();
    } finally {
      child.kill();
    }
  });
});

describe("createProcScanner without refresh", () => {
  it("reads only new processes, keeps known ones as last read, and drops ended ones", () => {
    const proc = fakeProc();
    try {
      proc.add(3, statLine(3, "sh", { utime: 1 }), "sh\0");
      const scanner = createProcScanner({ procRoot: proc.root });
      expect(scanner.scan()[0]?.cpuTicks).toBe(6);
      writeFileSync(join(proc.root, "3", "stat"), statLine(3, "sh", { utime: 50 }));
      proc.add(4, statLine(4, "bash", { tty: 34816 }), "bash\0");
      const quick = scanner.scan({ refresh: false });
      expect(quick.map((p) => [p.pid, p.cpuTicks])).toEqual([
        [3, 6],
        [4, 5],
      ]);
      rmSync(join(proc.root, "4"), { recursive: true });
      expect(scanner.scan({ refresh: false }).map((p) => p.pid)).toEqual([3]);
      expect(scanner.scan({ refresh: true })[0]?.cpuTicks).toBe(55);
    } finally {
      proc.remove();
    }
  });
});
