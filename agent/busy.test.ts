import { describe, expect, it } from "vitest";
import { busyProcesses, compileBusyCommands } from "./busy.js";
import { processInfo } from "./process-fixture.js";
import type { ProcessInfo } from "./proc-scanner.js";

const proc = (pid: number, cmdline: string): ProcessInfo => processInfo(pid, cmdline);

describe("busyProcesses", () => {
  const rules = { busyCpuPercent: 10, busyCommands: compileBusyCommands(["^rsync ", "backup\\.sh"]).regexps };
  const cases: { name: string; procs: ProcessInfo[]; cpu: Record<number, number | undefined>; want: { pid: number; reason: string }[] }[] = [
    { name: "a process above the threshold is busy by CPU", procs: [proc(1, "make -j2")], cpu: { 1: 50 }, want: [{ pid: 1, reason: "Cpu" }] },
    { name: "a process exactly at the threshold is busy", procs: [proc(1, "cc x.c")], cpu: { 1: 10 }, want: [{ pid: 1, reason: "Cpu" }] },
    { name: "a process below the threshold is not busy", procs: [proc(1, "sleep 100")], cpu: { 1: 3 }, want: [] },
    { name: "a process not yet measured over a window is not busy by CPU", procs: [proc(1, "make")], cpu: {}, want: [] },
    { name: "an idle process whose command matches a pattern is busy by command", procs: [proc(2, "rsync -a / /backup")], cpu: { 2: 0 }, want: [{ pid: 2, reason: "Command" }] },
    {
      name: "busiest come first",
      procs: [proc(1, "a"), proc(2, "b"), proc(3, "backup.sh")],
      cpu: { 1: 20, 2: 90, 3: 0 },
      want: [
        { pid: 2, reason: "Cpu" },
        { pid: 1, reason: "Cpu" },
        { pid: 3, reason: "Command" },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = busyProcesses(c.procs, (pid) => c.cpu[pid], rules, (uid) => `u${uid}`);
      expect(got.map((b) => ({ pid: b.pid, reason: b.reason }))).toEqual(c.want);
    });
  }

  const hysteresis: { name: string; cpu: number; was: boolean; busy: boolean }[] = [
    { name: "a busy process stays busy just under the threshold", cpu: 8, was: true, busy: true },
    { name: "a busy process stops being busy below half the threshold", cpu: 4, was: true, busy: false },
    { name: "a process not busy before needs the full threshold", cpu: 8, was: false, busy: false },
  ];
  for (const h of hysteresis) {
    it(h.name, () => {
      const got = busyProcesses([proc(1, "cc1")], () => h.cpu, rules, String, () => h.was);
      expect(got.length > 0).toBe(h.busy);
    });
  }

  it("reports at most eight", () => {
    const procs = Array.from({ length: 12 }, (_, i) => proc(i + 1, "burn"));
    expect(busyProcesses(procs, () => 99, rules, String)).toHaveLength(8);
  });

  it("sets invalid patterns aside instead of failing", () => {
    expect(compileBusyCommands(["ok", "(unclosed"])).toEqual({ regexps: [/ok/], invalid: ["(unclosed"] });
  });
});
