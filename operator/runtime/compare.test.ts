// Tests for comparing desired and live objects: subsets, key order and quantities.
import { describe, expect, it } from "vitest";
import { deepEqual, firstDifference, isSubset } from "./compare.js";

describe("isSubset", () => {
  it.each([
    { name: "fields the server defaulted are ignored", desired: { a: 1 }, actual: { a: 1, b: 2 }, want: true },
    { name: "a changed value differs", desired: { image: "a" }, actual: { image: "b" }, want: false },
    { name: "a hand-added array element differs", desired: { env: [{ name: "A" }] }, actual: { env: [{ name: "A" }, { name: "B" }] }, want: false },
    { name: "quantities compare by value", desired: { cpu: "0.5" }, actual: { cpu: "500m" }, want: true },
    { name: "a missing object differs", desired: { spec: { x: 1 } }, actual: {}, want: false },
    { name: "an empty map or list the server dropped does not", desired: { resources: { requests: {} }, env: [] }, actual: { resources: {} }, want: true },
  ])("$name", ({ desired, actual, want }) => expect(isSubset(desired, actual)).toBe(want));

  it("names the first differing field", () => {
    expect(firstDifference({ spec: { c: [{ image: "a" }] } }, { spec: { c: [{ image: "b" }] } })).toBe(".spec.c[0].image");
  });
});

describe("deepEqual", () => {
  it("ignores key order (the API server sorts keys)", () => {
    expect(deepEqual({ type: "Ready", status: "True" }, { status: "True", type: "Ready" })).toBe(true);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
  });
});
