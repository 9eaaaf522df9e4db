// The pod template for a Sprite's volume: setup containers and system mounts, and when a running pod keeps its own.
import { describe, expect, it } from "vitest";
import type { Sprite, SpriteStatus } from "../api/index.js";
import { desiredStatefulSet } from "./desired-objects.js";
import { desiredWithVolumeSetup } from "./volume-template.js";

describe("desiredWithVolumeSetup", () => {
  const config = { agentImage: "puck-agent:dev" };
  const sprite: Sprite = { apiVersion: "puck.sandwich.labs/v1alpha1", kind: "Sprite", metadata: { name: "dev", namespace: "ns", uid: "u" }, spec: { image: "img:1" } };
  const setUp: SpriteStatus = {
    homeSetUpAt: "2026-12-07T05:00:00Z",
    volume: { layout: 2, system: { name: "system", image: "img:1", links: ["bin", "sbin", "lib", "lib64"] }, setUpAt: "2026-12-07T05:00:00Z" },
  };
  const gone = { exists: false, ready: false };
  const running = { exists: true, ready: true };
  const spec = (s: ReturnType<typeof desiredStatefulSet>) => s.spec.template.spec;
  const mounts = (s: ReturnType<typeof desiredStatefulSet>) => spec(s).containers[0]!.volumeMounts.map((m) => m.mountPath);
  const inits = (s: ReturnType<typeof desiredStatefulSet>) => spec(s).initContainers.map((c) => c.name);
  const live = (s: ReturnType<typeof desiredStatefulSet>) => ({ metadata: {}, spec: { template: s.spec.template } });

  it("a new Sprite's pod sets the volume up and mounts every system folder", () => {
    const d = desiredWithVolumeSetup(undefined, sprite, 1, config, { current: {}, pod: gone });
    expect(inits(d)).toEqual(["home-user", "volume-setup"]);
    expect(mounts(d)).toEqual(["/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc", "/var", "/opt", "/root", "/srv", "/home", "/home/sprite", "/run/puck/services"]);
  });

  it("the next pod, once the volume is set up, sets nothing up and leaves the linked folders out", () => {
    const d = desiredWithVolumeSetup(undefined, sprite, 1, config, { current: setUp, pod: gone });
    expect(inits(d)).toEqual([]);
    expect(mounts(d)).toEqual(["/usr", "/etc", "/var", "/opt", "/root", "/srv", "/home", "/home/sprite", "/run/puck/services"]);
  });

  it("a running pod is not replaced because the status learnt that its volume is set up", () => {
    const first = desiredStatefulSet(sprite, 1, config);
    const d = desiredWithVolumeSetup(live(first), sprite, 1, config, { current: setUp, pod: running });
    expect(d.spec.template).toEqual(first.spec.template);
  });

  it("a new image on a running Sprite brings the setup (a new seed) and every folder: the pod restarts anyway", () => {
    const current = desiredStatefulSet(sprite, 1, config, { needed: false }, ["bin", "sbin", "lib", "lib64"]);
    const changed = { ...sprite, spec: { image: "img:2" } };
    const d = desiredWithVolumeSetup(live(current), changed, 1, config, { current: setUp, pod: running });
    expect(inits(d)).toEqual(["home-user", "volume-setup"]);
    expect(mounts(d)).toContain("/bin");
  });

  it("a pod made before the volume layout (the volume mounted whole) is replaced by one that moves it, when the change goes in", () => {
    const old = { metadata: {}, spec: { template: { spec: { initContainers: [], containers: [{ name: "sprite", volumeMounts: [{ mountPath: "/home/sprite" }] }] } } } };
    const d = desiredWithVolumeSetup(old, sprite, 1, config, { current: { homeSetUpAt: "2026-01-01T00:00:00Z" }, pod: running });
    expect(inits(d)).toEqual(["home-user", "volume-setup"]);
  });

  it("a home-only Sprite asking for its machine on a running pod gets the seed and the mounts (a restart the user asked for)", () => {
    const homeOnly = { ...sprite, spec: { image: "img:1", persist: "home" as const } };
    const current = desiredStatefulSet(homeOnly, 1, config, { needed: false });
    const d = desiredWithVolumeSetup(live(current), sprite, 1, config, { current: { homeSetUpAt: "x", volume: { layout: 2 } }, pod: running });
    expect(inits(d)).toEqual(["home-user", "volume-setup"]);
    expect(mounts(d)).toContain("/usr");
  });
});
