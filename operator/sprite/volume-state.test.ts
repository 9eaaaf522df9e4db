// When a Sprite's next pod sets its volume up, and what the setup's summary says.
import { describe, expect, it } from "vitest";
import type { SpriteSpec, SpriteStatus } from "../api/index.js";
import { parseVolumeSummary, volumeSetup } from "./volume-state.js";

const spec: SpriteSpec = { image: "img:1" };
const setUp: SpriteStatus = {
  homeSetUpAt: "2026-12-07T05:00:00Z",
  volume: { layout: 2, system: { name: "system", image: "img:1" }, setUpAt: "2026-12-07T05:00:00Z" },
};

describe("volumeSetup", () => {
  it.each<{ name: string; spec: SpriteSpec; status: SpriteStatus; want: ReturnType<typeof volumeSetup> }>([
    { name: "a new Sprite: the layout first", spec, status: {}, want: { needed: true, why: "layout" } },
    { name: "a Sprite made before the layout (its home set up, no volume status): moved", spec, status: { homeSetUpAt: "2026-01-01T00:00:00Z" }, want: { needed: true, why: "layout" } },
    { name: "laid out and seeded from its image: nothing to do", spec, status: setUp, want: { needed: false } },
    { name: "a new image: re-seeded", spec: { image: "img:2" }, status: setUp, want: { needed: true, why: "reseed" } },
    {
      name: "home-only after being a machine: nothing (the system stays on the volume, unused)",
      spec: { image: "img:2", persist: "home" },
      status: setUp,
      want: { needed: false },
    },
    {
      name: "a machine after being home-only: seeded",
      spec,
      status: { ...setUp, volume: { layout: 2, setUpAt: "2026-12-07T05:00:00Z" } },
      want: { needed: true, why: "seed" },
    },
    {
      name: "a prune asked for after the last setup, with systems to prune",
      spec: { ...spec, pruneSystemsRequestedAt: "2026-12-07T06:00:00Z" },
      status: { ...setUp, volume: { ...setUp.volume!, previousSystems: [{ name: "previous/a" }] } },
      want: { needed: true, why: "prune", pruneSystems: "2026-12-07T06:00:00Z" },
    },
    {
      name: "a prune already done (asked before the last setup) is not done again",
      spec: { ...spec, pruneSystemsRequestedAt: "2026-12-07T04:00:00Z" },
      status: { ...setUp, volume: { ...setUp.volume!, previousSystems: [{ name: "previous/a" }] } },
      want: { needed: false },
    },
    { name: "a prune with nothing to prune: nothing", spec: { ...spec, pruneSystemsRequestedAt: "2026-12-07T06:00:00Z" }, status: setUp, want: { needed: false } },
  ])("$name", ({ spec, status, want }) => expect(volumeSetup(spec, status)).toEqual(want));

  it("for a pod that exists, only what a spec change brings counts (a status catching up must not replace the pod)", () => {
    expect(volumeSetup(spec, { homeSetUpAt: "2026-01-01T00:00:00Z" }, true)).toEqual({ needed: false });
    expect(volumeSetup({ image: "img:2" }, setUp, true)).toEqual({ needed: true, why: "reseed" });
  });
});

describe("parseVolumeSummary", () => {
  it("reads the setup container's summary, with the time it finished", () => {
    const message = '{"layout":2,"system":{"name":"system","image":"img:1","seededAt":"2026-12-07T05:00:00Z","bytes":1024},"previousSystems":[{"name":"previous/x","image":"img:0","seededAt":"","bytes":5}]}';
    expect(parseVolumeSummary(message, "2026-12-07T05:00:02Z")).toEqual({
      layout: 2,
      system: { name: "system", image: "img:1", seededAt: "2026-12-07T05:00:00Z", bytes: 1024 },
      previousSystems: [{ name: "previous/x", image: "img:0", bytes: 5 }],
      setUpAt: "2026-12-07T05:00:02Z",
    });
  });

  it.each(["", "not json", "[]", '{"system":{}}', '{"layout":2,"syst'])("ignores what is not a summary: %j", (message) => {
    expect(parseVolumeSummary(message, undefined)).toBeUndefined();
  });
});
