// Tests for setCondition: lastTransitionTime moves only when a status flips.
import { describe, expect, it } from "vitest";
import { setCondition } from "./conditions.js";

const T0 = new Date("2026-01-01T00:00:00Z");
const T1 = new Date("2026-01-01T01:00:00Z");

describe("setCondition", () => {
  it("adds a missing condition with now as its transition time", () => {
    expect(setCondition([], { type: "Ready", status: "False", reason: "PodStarting" }, T0)).toEqual([
      { type: "Ready", status: "False", reason: "PodStarting", lastTransitionTime: "2026-01-01T00:00:00Z" },
    ]);
  });

  it("keeps lastTransitionTime when only the reason changes", () => {
    const before = setCondition([], { type: "Ready", status: "False", reason: "PodStarting" }, T0);
    const after = setCondition(before, { type: "Ready", status: "False", reason: "PodFailing", message: "ImagePullBackOff" }, T1);
    expect(after[0]).toMatchObject({ reason: "PodFailing", lastTransitionTime: "2026-01-01T00:00:00Z" });
  });

  it("moves lastTransitionTime when the status flips, leaving other types alone", () => {
    let list = setCondition([], { type: "ActivityFresh", status: "True", reason: "AgentReporting" }, T0);
    list = setCondition(list, { type: "Ready", status: "False", reason: "PodStarting" }, T0);
    list = setCondition(list, { type: "Ready", status: "True", reason: "PodReady" }, T1);
    expect(list.map((c) => [c.type, c.lastTransitionTime])).toEqual([
      ["ActivityFresh", "2026-01-01T00:00:00Z"],
      ["Ready", "2026-01-01T01:00:00Z"],
    ]);
  });
});
