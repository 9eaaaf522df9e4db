import { describe, expect, it } from "vitest";
import { at, awake, ready, sprite } from "./sprite-fixture.js";
import { isAsleep, wakeVerdict } from "./wake-verdict.js";

describe("wakeVerdict", () => {
  it.each([
    ["an Active, Ready Sprite whose operator saw the request is ready", sprite({ ...awake, observedGeneration: 2 }), { state: "ready" }],
    ["an awake Sprite read at or after the request is ready before the operator sees it: a hibernation must first record itself against the version the request changed", sprite({ ...awake, observedGeneration: 1 }), { state: "ready" }],
    ["a Sprite recorded asleep is not ready, whatever its stale Ready says", sprite({ ...awake, hibernatedAt: at(-1), observedGeneration: 1 }), { state: "waiting", step: "waiting for the operator" }],
    ["Active without a True Ready condition is still starting", sprite({ phase: "Active", observedGeneration: 2, conditions: [ready("False", "PodStarting", "containers not ready")] }), { state: "waiting", step: "starting: containers not ready" }],
    ["a hibernated Sprite that saw the request is scaling up", sprite({ phase: "Hibernating", observedGeneration: 2 }), { state: "waiting", step: "scaling up" }],
    [
      "a Sprite asleep after the operator acted on this request fails, rather than waiting for ever (it was awake or woke for it, then slept)",
      sprite({ phase: "Hibernating", observedGeneration: 2, observedWakeRequestedAt: at(0), wokeAt: at(-3), hibernatedAt: at(5) }, 2, {}, { wakeRequestedAt: at(0) }),
      { state: "failed", reason: "Hibernated", message: "it woke and hibernated again before it could be reached (its idle timeout ran out)" },
    ],
    [
      "a new Sprite asleep after its first waking fails the same way (puck create)",
      sprite({ phase: "Hibernating", observedGeneration: 2, wokeAt: at(1), hibernatedAt: at(11) }, 2, { creationTimestamp: "2026-01-01T12:00:00Z" }),
      { state: "failed", reason: "Hibernated", message: "it woke and hibernated again before it could be reached (its idle timeout ran out)" },
    ],
    ["a Sprite asleep whose operator has not recorded this request yet is scaling up", sprite({ phase: "Hibernating", observedGeneration: 2, observedWakeRequestedAt: at(-60), wokeAt: at(-20), hibernatedAt: at(-10) }, 2, {}, { wakeRequestedAt: at(0) }), { state: "waiting", step: "scaling up" }],
    ["a starting pod without a message", sprite({ phase: "Starting", observedGeneration: 3, conditions: [ready("False", "PodStarting")] }), { state: "waiting", step: "starting the pod" }],
    ["PodFailing fails fast with its message", sprite({ phase: "Starting", observedGeneration: 2, conditions: [ready("False", "PodFailing", "ImagePullBackOff: nope:latest")] }), { state: "failed", reason: "PodFailing", message: "ImagePullBackOff: nope:latest" }],
    ["NodeNotReady fails fast with its message: the node must come back first", sprite({ ...awake, observedGeneration: 2, conditions: [ready("False", "NodeNotReady", "its home volume lives on node b, which is not ready")] }), { state: "failed", reason: "NodeNotReady", message: "its home volume lives on node b, which is not ready" }],
    ["a stale PodFailing from before the request is not believed", sprite({ phase: "Starting", observedGeneration: 1, conditions: [ready("False", "PodFailing", "old")] }), { state: "waiting", step: "waiting for the operator" }],
    ["a Sprite being deleted fails", sprite({ phase: "Active" }, 2, { deletionTimestamp: "2026-01-01T00:00:00Z" }), { state: "failed", reason: "Terminating", message: "the Sprite is being deleted" }],
  ])("%s", (_name, input, expected) => {
    expect(wakeVerdict(input, 2)).toEqual(expected);
  });
});

describe("isAsleep", () => {
  it.each([
    { name: "never hibernated is awake", status: {}, want: false },
    { name: "hibernated after waking is asleep", status: { wokeAt: at(-10), hibernatedAt: at(-5) }, want: true },
    { name: "woke after hibernating is awake", status: { wokeAt: at(-1), hibernatedAt: at(-5) }, want: false },
    { name: "hibernated and never woke (by hand) is asleep", status: { hibernatedAt: at(-5) }, want: true },
  ])("$name", ({ status, want }) => expect(isAsleep(status)).toBe(want));
});
