import { describe, expect, it } from "vitest";
import { activityExcludingOwnWrite, expectedHibernation, restartWarningText, warningDue, warningText } from "./hibernation-warning.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const MIN = 60_000;

describe("warningDue", () => {
  const cases: { name: string; at: number | undefined; timeout: number; warned?: number; want: boolean }[] = [
    { name: "no planned hibernation, no warning", at: undefined, timeout: 30, want: false },
    { name: "hibernation in 10 minutes is too far off", at: NOW + 10 * MIN, timeout: 30, want: false },
    { name: "hibernation in 5 minutes is warned of", at: NOW + 5 * MIN, timeout: 30, want: true },
    { name: "with a 4-minute timeout the warning comes 2 minutes ahead", at: NOW + 3 * MIN, timeout: 4, want: false },
    { name: "with a 4-minute timeout, 2 minutes ahead is warned of", at: NOW + 2 * MIN, timeout: 4, want: true },
    { name: "the same hibernation is warned of once", at: NOW + 4 * MIN, timeout: 30, warned: NOW + 4 * MIN, want: false },
    { name: "a postponed hibernation is warned of again", at: NOW + 4 * MIN, timeout: 30, warned: NOW + 1 * MIN, want: true },
    { name: "a hibernation in the past is not warned of", at: NOW - 1, timeout: 30, want: false },
  ];
  for (const c of cases) it(c.name, () => expect(warningDue(c.at, NOW, c.timeout, c.warned)).toBe(c.want));

  it("says when and how to stay awake, on one line", () => {
    const text = warningText(NOW + 5 * MIN, NOW);
    expect(text).toContain("12:05 UTC (in 5 min)");
    expect(text).toContain("keepawake 1h");
    expect(text.trim().split("\n")).toHaveLength(1);
  });

  it("warns of a restart for the user's change: when, why, and that the home is kept, on one line", () => {
    const text = restartWarningText(NOW + 2 * MIN, NOW);
    expect(text).toContain("restarts at 12:02 UTC (in 2 min)");
    expect(text).toContain("image or resources");
    expect(text).toContain("home directory is kept");
    expect(text.trim().split("\n")).toHaveLength(1);
  });
});

describe("activityExcludingOwnWrite", () => {
  const own = { beforeMs: NOW - 20 * MIN, afterMs: NOW };
  const cases: { name: string; raw: number; own?: typeof own; want: number }[] = [
    { name: "without a write of ours the terminal's time stands", raw: NOW, want: NOW },
    { name: "our own warning does not count as activity", raw: NOW, own, want: NOW - 20 * MIN },
    { name: "the user's activity after our write counts", raw: NOW + 9000, own, want: NOW + 9000 },
  ];
  for (const c of cases) it(c.name, () => expect(activityExcludingOwnWrite(c.raw, c.own)).toBe(c.want));
});

describe("expectedHibernation", () => {
  const base = { activeTerminals: 1, unknownTerminal: false, execs: 0, busy: 0, networkActive: false, lastActiveMs: NOW - 20 * MIN, idleTimeoutMinutes: 30 };
  const cases: { name: string; o: Partial<Parameters<typeof expectedHibernation>[0]>; want: number | undefined }[] = [
    { name: "the operator's plan wins when it has one", o: { hibernatesAtMs: NOW + 3 * MIN }, want: NOW + 3 * MIN },
    { name: "a silent terminal alone: the timeout since the last activity", o: {}, want: NOW + 10 * MIN },
    { name: "a running exec means no hibernation is planned", o: { execs: 1 }, want: undefined },
    { name: "a busy process means no hibernation is planned", o: { busy: 1 }, want: undefined },
    { name: "a terminal whose times are unknown cannot be predicted", o: { unknownTerminal: true }, want: undefined },
    { name: "without terminals the operator plans it", o: { activeTerminals: 0 }, want: undefined },
    { name: "a network gone quiet stops counting like a silent terminal", o: { activeTerminals: 0, networkActive: true }, want: NOW + 10 * MIN },
    { name: "a longer keep-alive postpones it", o: { keepAwakeUntilMs: NOW + 60 * MIN }, want: NOW + 60 * MIN },
  ];
  for (const c of cases) it(c.name, () => expect(expectedHibernation({ ...base, ...c.o })).toBe(c.want));
});
