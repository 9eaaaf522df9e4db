import { describe, expect, it } from "vitest";
import { Admission } from "./admission.js";

describe("Admission", () => {
  const limits = { maxUnauthenticated: 2, maxFailures: 3, failureWindowMs: 60_000 };

  it("caps connections that have not authenticated, and frees a place when one settles", () => {
    const a = new Admission(limits);
    expect([a.admit("1.1.1.1", 0), a.admit("2.2.2.2", 0), a.admit("3.3.3.3", 0)]).toEqual([true, true, false]);
    a.settled();
    expect(a.admit("3.3.3.3", 0)).toBe(true);
    expect(a.pending).toBe(2);
  });

  it("turns an address away after too many failures within the window, and lets it back after", () => {
    const a = new Admission(limits);
    for (const t of [0, 1000, 2000]) a.failed("6.6.6.6", t);
    expect(a.admit("6.6.6.6", 3000)).toBe(false);
    expect(a.admit("7.7.7.7", 3000)).toBe(true);
    expect(a.admit("6.6.6.6", 60_001)).toBe(true);
  });

  it("counts only failures inside the window", () => {
    const a = new Admission(limits);
    a.failed("6.6.6.6", 0);
    a.failed("6.6.6.6", 50_000);
    expect(a.recentFailures("6.6.6.6", 61_000)).toBe(1);
  });

  it("never counts below zero when a connection settles twice", () => {
    const a = new Admission(limits);
    a.settled();
    expect(a.pending).toBe(0);
  });
});
