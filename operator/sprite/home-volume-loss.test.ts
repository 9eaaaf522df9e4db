// A home volume claim deleted by hand is noticed, named, and told apart from a Sprite's first start.
import { describe, expect, it } from "vitest";
import type { Sprite } from "../api/index.js";
import { homeVolumeLoss } from "./home-volume-loss.js";
import type { KubeObject } from "../../kube/client.js";

const sprite = (status: Sprite["status"], spec: Partial<Sprite["spec"]> = {}): Sprite => ({
  apiVersion: "puck.sandwich.labs/v1alpha1",
  kind: "Sprite",
  metadata: { name: "dev", namespace: "lab" },
  spec: { image: "x", ...spec },
  ...(status ? { status } : {}),
});
const pvc = (deleting = false): KubeObject => ({ metadata: { name: "dev-home", ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) } });
const woke = { wokeAt: "2026-01-01T00:00:00Z" };

describe("homeVolumeLoss", () => {
  it.each([
    { name: "a new Sprite without its claim yet has lost nothing", sprite: sprite(undefined), pvc: undefined, want: undefined },
    { name: "a Sprite that woke and has its claim has lost nothing", sprite: sprite(woke), pvc: pvc(), want: undefined },
    { name: "a Sprite that woke and has no claim lost it", sprite: sprite(woke), pvc: undefined, want: /^The home volume claim dev-home was deleted while the Sprite existed; Puck made a new, empty one/ },
    { name: "a claim being deleted under a Sprite is a loss in progress", sprite: sprite(woke), pvc: pvc(true), want: /^The home volume claim dev-home is being deleted while the Sprite exists/, reason: "HomeVolumeDeleting" },
    {
      name: "a deletion seen in progress whose claim is now a new one was a loss, though no reconcile saw it gone",
      sprite: sprite(woke),
      pvc: pvc(),
      recorded: { type: "HomeVolumeLost", status: "True" as const, reason: "HomeVolumeDeleting", lastTransitionTime: "2026-01-01T00:00:00Z" },
      want: /was deleted while the Sprite existed/,
    },
    {
      name: "a loss already recorded as such is not found again while the new claim stands",
      sprite: sprite(woke),
      pvc: pvc(),
      recorded: { type: "HomeVolumeLost", status: "True" as const, reason: "HomeVolumeLost", lastTransitionTime: "2026-01-01T00:00:00Z" },
      want: undefined,
    },
    { name: "unless the Sprite asked for it (purge on delete)", sprite: sprite(woke, { purgeStorageOnDelete: true }), pvc: pvc(true), want: undefined },
  ])("$name", ({ sprite: s, pvc: p, want, recorded, reason }) => {
    const condition = homeVolumeLoss(s, p, "dev-home", 3, recorded);
    if (want === undefined) expect(condition).toBeUndefined();
    else expect(condition).toMatchObject({ type: "HomeVolumeLost", status: "True", reason: reason ?? "HomeVolumeLost", observedGeneration: 3, message: expect.stringMatching(want) });
  });
});
