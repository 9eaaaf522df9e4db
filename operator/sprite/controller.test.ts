// Tests for which child changes reach the queue, and under which Sprite key.
import { describe, expect, it } from "vitest";
import { childChangeMatters, ownerKey } from "./controller.js";
import type { KubeObject } from "../../kube/client.js";

const sts = (generation: number, labels: Record<string, string> = { "puck.sandwich.labs/sprite": "dev" }): KubeObject => ({
  metadata: { name: "dev", namespace: "team", generation, labels },
});

describe("ownerKey", () => {
  it("maps a child to its Sprite's key by label, and ignores unlabelled objects", () => {
    expect(ownerKey(sts(1))).toBe("team/dev");
    expect(ownerKey(sts(1, {}))).toBeUndefined();
  });
});

describe("childChangeMatters", () => {
  it.each([
    { name: "a StatefulSet status-only update does not", resource: "statefulsets", next: sts(2), previous: sts(2), deleted: false, want: false },
    { name: "a StatefulSet spec change does", resource: "statefulsets", next: sts(3), previous: sts(2), deleted: false, want: true },
    { name: "a StatefulSet label change does", resource: "statefulsets", next: sts(2, { a: "b" }), previous: sts(2), deleted: false, want: true },
    { name: "a deletion always does", resource: "statefulsets", next: sts(2), previous: sts(2), deleted: true, want: true },
    { name: "a first sighting always does", resource: "statefulsets", next: sts(2), previous: undefined, deleted: false, want: true },
    { name: "any pod change does (readiness lives in its status)", resource: "pods", next: sts(2), previous: sts(2), deleted: false, want: true },
  ] as const)("$name", ({ resource, next, previous, deleted, want }) => expect(childChangeMatters(resource, next, deleted, previous)).toBe(want));
});
