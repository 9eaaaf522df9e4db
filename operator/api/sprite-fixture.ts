// Sprites for tests of the wake and its verdict: times around one instant, a Ready condition, a Sprite
// with a status, and an awake status.
import type { Condition, Sprite, SpriteStatus } from "./index.js";

/** An RFC 3339 time `s` seconds after 2026-01-01T12:00:00Z. */
export const at = (s: number) => new Date(Date.parse("2026-01-01T12:00:00Z") + s * 1000).toISOString();

export const ready = (status: Condition["status"], reason: string, message?: string): Condition => ({
  type: "Ready", status, reason, lastTransitionTime: "2026-01-01T00:00:00Z", ...(message ? { message } : {}),
});

/** Sprite dev at `generation`, with `status` (and `spec` fields over its image). */
export const sprite = (status: SpriteStatus, generation = 2, extra: Partial<Sprite["metadata"]> = {}, spec: Partial<Sprite["spec"]> = {}): Sprite => ({
  apiVersion: "puck.sandwich.labs/v1alpha1", kind: "Sprite", metadata: { name: "dev", generation, resourceVersion: "1", ...extra }, spec: { image: "x", ...spec }, status,
});

/** Woke a minute ago, Active and Ready. */
export const awake = { phase: "Active" as const, wokeAt: at(-60), hibernatedAt: at(-120), conditions: [ready("True", "PodReady", "The pod is up.")] };
