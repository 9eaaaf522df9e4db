import { describe, expect, it } from "vitest";
import type { Sprite, SpriteStatus } from "./index.js";
import { sessionEnd } from "./session-end.js";

const sprite = (status: SpriteStatus, deleting = false): Sprite => ({
  apiVersion: "puck.sandwich.labs/v1alpha1",
  kind: "Sprite",
  metadata: { name: "dev", ...(deleting ? { deletionTimestamp: "2026-01-01T12:00:00Z" } : {}) },
  spec: { image: "x" },
  status,
});
const asleep = { wokeAt: "2026-01-01T11:00:00Z", hibernatedAt: "2026-01-01T12:00:00Z" };
const up = { exists: true };
const SINCE = Date.parse("2026-01-01T12:30:00.400Z");

describe("sessionEnd", () => {
  it.each([
    ["a hibernation after the idle timeout says so and how to wake it", sprite({ ...asleep, reason: "Idle" }), { exists: false }, "Hibernated", /hibernated after its idle timeout.*`puck connect dev` wakes it/],
    ["a requested hibernation says it was on request", sprite({ ...asleep, reason: "HibernateRequested" }), { exists: true, deleting: true }, "Hibernated", /hibernated on request/],
    ["a Sprite gone says it was deleted and how to get it back", undefined, { exists: false }, "Deleted", /was deleted.*`puck create dev` re-attaches/],
    ["a Sprite being deleted counts as deleted", sprite({}, true), up, "Deleted", /was deleted/],
    ["an awake Sprite whose pod is going says the pod stopped", sprite({ wokeAt: "2026-01-01T12:00:00Z" }), { exists: true, deleting: true }, "PodStopped", /pod of Sprite dev stopped.*`puck connect dev` starts it again/],
    ["an awake Sprite whose pod is gone says the pod stopped", sprite({ wokeAt: "2026-01-01T12:00:00Z" }), { exists: false }, "PodStopped", /stopped/],
    ["a pod made after the session began is a new one: the old one stopped", sprite({ wokeAt: "2026-01-01T12:00:00Z" }), { exists: true, createdMs: Date.parse("2026-01-01T12:30:01Z") }, "PodStopped", /stopped/],
  ])("%s", (_name, s, pod, cause, text) => {
    const end = sessionEnd("dev", s, pod, SINCE);
    expect(end?.cause).toBe(cause);
    expect(end?.text).toMatch(text);
    expect(end?.text).not.toContain("\n");
  });
  it("an awake Sprite with its pod in place did not end the session: the command did", () => {
    expect(sessionEnd("dev", sprite({ wokeAt: "2026-01-01T12:00:00Z", hibernatedAt: "2026-01-01T11:00:00Z" }), { exists: true, createdMs: SINCE - 60_000 }, SINCE)).toBeUndefined();
  });
});
