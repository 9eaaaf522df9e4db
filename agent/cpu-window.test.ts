import { describe, expect, it } from "vitest";
import { sustainedCpu, updateCpuWindow, type CpuWindow } from "./cpu-window.js";

const W = 10_000;

/** Feeds one reading per second for `seconds` seconds, starting at t=0. */
function feed(percents: number[], start = 0): CpuWindow {
  let w: CpuWindow = new Map();
  percents.forEach((p, i) => {
    w = updateCpuWindow(w, new Map([[7, p]]), new Map([[7, start]]), i * 1000, W);
  });
  return w;
}

describe("sustainedCpu", () => {
  const cases: { name: string; percents: number[]; want: number | undefined }[] = [
    { name: "a process seen for less than half the window is not judged yet", percents: [90, 90, 90], want: undefined },
    { name: "a steady burner over the window shows its rate", percents: Array(12).fill(80), want: 80 },
    { name: "a first sample of 0 (pidusage's) barely moves a long window", percents: [0, ...Array(11).fill(100)], want: 100 },
    { name: "a short spike in an idle window averages out", percents: [...Array(10).fill(0), 100, 0], want: 10 },
    { name: "a burner that stopped drops below once the window passes", percents: [...Array(10).fill(100), ...Array(10).fill(0)], want: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const w = feed(c.percents);
      expect(sustainedCpu(w.get(7), (c.percents.length - 1) * 1000, W)).toBe(c.want);
    });
  }

  it("forgets a process that exited", () => {
    const w = updateCpuWindow(feed([50, 50]), new Map(), new Map(), 2000, W);
    expect(w.size).toBe(0);
  });

  it("starts over when a pid is reused by a new process", () => {
    const w = updateCpuWindow(feed(Array(8).fill(100)), new Map([[7, 0]]), new Map([[7, 99_999]]), 8000, W);
    expect(w.get(7)?.samples).toEqual([{ atMs: 8000, percent: 0 }]);
    expect(sustainedCpu(w.get(7), 8000, W)).toBeUndefined();
  });
});
