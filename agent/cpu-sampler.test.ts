import { describe, expect, it } from "vitest";
import { createCpuSampler, type UsageSource } from "./cpu-sampler.js";
import { processInfo } from "./process-fixture.js";
import type { ProcessInfo } from "./proc-scanner.js";

const proc = (pid: number, cpuTicks: number, reapedChildCpuTicks: number): ProcessInfo =>
  processInfo(pid, "sh -c loop", { cpuTicks, reapedChildCpuTicks, startTimeMs: 1_000 });

/** A pidusage stand-in that reports a fixed percent for each pid it is asked about, and records the asks. */
function fakeUsage(percent: Record<number, number>) {
  const asked: number[][] = [];
  const usage: UsageSource = async (pids) => {
    asked.push(pids);
    return Object.fromEntries(pids.map((pid) => [String(pid), { cpu: percent[pid] ?? 0 }]));
  };
  return { usage, asked };
}

describe("createCpuSampler", () => {
  it("a process that forks short-lived commands is charged the CPU of the children it reaped", async () => {
    let now = 0;
    const { usage } = fakeUsage({ 7: 5 });
    const sampler = createCpuSampler(usage, () => now);
    await sampler.sample([proc(7, 10, 100)]);
    now = 2_000;
    // 120 ticks of reaped children over 2 s at 100 ticks/s: 60 % of a core, plus its own 5 %.
    const readings = await sampler.sample([proc(7, 11, 220)]);
    expect(readings.percent.get(7)).toBeCloseTo(65);
    expect(readings.totalPercent).toBeCloseTo(65);
  });

  it("a process that did not run since the last sample costs no pidusage call and reads 0 %", async () => {
    let now = 0;
    const { usage, asked } = fakeUsage({ 7: 50 });
    const sampler = createCpuSampler(usage, () => now);
    await sampler.sample([proc(7, 10, 0)]);
    now = 1_000;
    const readings = await sampler.sample([proc(7, 10, 0)]);
    expect(asked).toEqual([[7], []]);
    expect(readings.percent.get(7)).toBe(0);
  });

  it("a new process with the same pid is not charged its predecessor's children", async () => {
    let now = 0;
    const { usage } = fakeUsage({});
    const sampler = createCpuSampler(usage, () => now);
    await sampler.sample([proc(7, 10, 500)]);
    now = 1_000;
    const reused = { ...proc(7, 1, 900), startTimeMs: 5_000 };
    expect((await sampler.sample([reused])).percent.get(7)).toBe(0);
  });
});
