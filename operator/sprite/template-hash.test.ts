// The template hashes tell the user's change from Puck's; the restart record reads back as written.
import { describe, expect, it } from "vitest";
import type { SpriteSpec } from "../api/index.js";
import { RESTARTS_AT_ANNOTATION, scheduledRestart, templateHashes } from "./template-hash.js";

const spec: SpriteSpec = { image: "debian", resources: { requests: { cpu: "100m" } }, idleTimeoutMinutes: 10 };
const template = { spec: { containers: [{ name: "sprite", image: "debian" }, { name: "agent", image: "puck-agent:1" }] } };

describe("templateHashes", () => {
  it("a new agent image changes the template hash, not the user's", () => {
    const before = templateHashes(spec, template);
    const after = templateHashes(spec, { spec: { containers: [{ name: "sprite", image: "debian" }, { name: "agent", image: "puck-agent:2" }] } });
    expect(after.user).toBe(before.user);
    expect(after.template).not.toBe(before.template);
  });

  it("the user's image or resources change the user's hash; other spec fields do not", () => {
    const base = templateHashes(spec, template).user;
    expect(templateHashes({ ...spec, image: "ubuntu" }, template).user).not.toBe(base);
    expect(templateHashes({ ...spec, resources: { requests: { cpu: "200m" } } }, template).user).not.toBe(base);
    expect(templateHashes({ ...spec, idleTimeoutMinutes: 60, keepAwakeUntil: "2026-01-01T00:00:00Z" }, template).user).toBe(base);
  });

  it("the user's placement (node selector, tolerations) changes the user's hash; an empty one is none", () => {
    const base = templateHashes(spec, template).user;
    expect(templateHashes({ ...spec, nodeSelector: { "kubernetes.io/hostname": "b" } }, template).user).not.toBe(base);
    expect(templateHashes({ ...spec, tolerations: [{ key: "k", operator: "Exists" }] }, template).user).not.toBe(base);
    expect(templateHashes({ ...spec, nodeSelector: {}, tolerations: [] }, template).user).toBe(base);
  });

  it("does not depend on key order", () => {
    expect(templateHashes(spec, { b: 1, a: { d: 2, c: 3 } })).toEqual(templateHashes(spec, { a: { c: 3, d: 2 }, b: 1 }));
  });
});

describe("scheduledRestart", () => {
  it("reads the time written, and nothing from an empty (applied) or absent record", () => {
    expect(scheduledRestart({ [RESTARTS_AT_ANNOTATION]: "2026-01-01T12:05:00.000Z" })).toEqual(new Date("2026-01-01T12:05:00.000Z"));
    expect(scheduledRestart({ [RESTARTS_AT_ANNOTATION]: "" })).toBeUndefined();
    expect(scheduledRestart(undefined)).toBeUndefined();
  });
});
