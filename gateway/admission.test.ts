import { describe, expect, it } from "vitest";
import { Admission, FailureCounter } from "./admission.js";

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

describe("FailureCounter", () => {
  it("is exhausted at the limit within the window, per address, and recovers as failures age out", () => {
    const f = new FailureCounter({ maxFailures: 2, failureWindowMs: 10_000 });
    f.failed("a", 0);
    expect(f.exhausted("a", 1)).toBe(false);
    f.failed("a", 5_000);
    expect([f.exhausted("a", 5_001), f.exhausted("b", 5_001)]).toEqual([true, false]);
    expect(f.exhausted("a", 10_001)).toBe(false);
  });
});
