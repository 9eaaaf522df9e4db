// When a new pod template may replace an awake Sprite's pod: one named case per rule.
import { describe, expect, it } from "vitest";
import { rollout, type RolloutInput } from "./rollout.js";

const NOW = new Date("2026-01-01T12:00:00.000Z");
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const desired = { user: "u2", template: "t2" };
/** An awake Sprite in use whose StatefulSet has an older template from Puck (same user hash). */
const base: RolloutInput = {
  live: { user: "u2", template: "t1" },
  desired,
  templateMatches: false,
  replicas: 1,
  podReady: true,
  idle: false,
  now: NOW,
  warnMs: 300_000,
};

describe("rollout", () => {
  it.each<[string, Partial<RolloutInput>]>([
    ["a new StatefulSet takes the template", { live: undefined }],
    ["an unchanged template is applied (only the hashes may be written)", { templateMatches: true, live: {} }],
    ["a hibernating Sprite takes it while at 0 replicas: the next wake uses it", { replicas: 0 }],
    ["a Sprite going to sleep now takes it with the scale-down", { replicas: 0, idle: true }],
    ["a pod not yet ready has no sessions to lose", { podReady: false }],
    ["a Sprite nobody uses (fresh idle report) takes Puck's change at once", { idle: true }],
    ["a Sprite nobody uses takes the user's change at once, with no warning to wait for", { idle: true, live: { user: "u1", template: "t1" } }],
    ["a user's change applies once its warned restart time has come", { live: { user: "u1", template: "t1" }, restartsAt: at(-1) }],
  ])("%s", (_, patch) => {
    expect(rollout({ ...base, ...patch })).toEqual({ action: "apply" });
  });

  it("holds Puck's own change (agent image, defaults) while the Sprite is in use", () => {
    expect(rollout(base)).toMatchObject({ action: "hold", reason: "HeldWhileInUse" });
    expect(rollout(base)).not.toHaveProperty("restartsAt");
  });

  it("holds a change on a StatefulSet an older operator made (no hashes) as Puck's own", () => {
    expect(rollout({ ...base, live: {} })).toMatchObject({ action: "hold", reason: "HeldWhileInUse" });
  });

  it("schedules the user's change after the warning when the Sprite is in use", () => {
    const plan = rollout({ ...base, live: { user: "u1", template: "t1" } });
    expect(plan).toEqual({ action: "hold", reason: "RestartScheduled", message: expect.stringContaining(at(300).toISOString()), restartsAt: at(300) });
  });

  it("keeps the restart time once scheduled: a later reconcile does not push it back", () => {
    const plan = rollout({ ...base, live: { user: "u1", template: "t1" }, restartsAt: at(20) });
    expect(plan).toMatchObject({ action: "hold", reason: "RestartScheduled", restartsAt: at(20) });
  });
});
