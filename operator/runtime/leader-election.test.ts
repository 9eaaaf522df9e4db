// When another holder's Lease counts as free.
import { describe, expect, it } from "vitest";
import { leaseFree } from "./leader-election.js";

describe("leaseFree", () => {
  const held = { holderIdentity: "other", renewTime: "2026-01-01T00:00:00.000000Z" };
  it.each([
    { name: "a Lease nobody holds is free", spec: undefined, observedAt: 0, now: 0, want: true },
    { name: "a released Lease (empty holder) is free at once", spec: { holderIdentity: "" }, observedAt: 0, now: 0, want: true },
    { name: "our own Lease is ours to renew", spec: { holderIdentity: "me" }, observedAt: 0, now: 0, want: true },
    { name: "another holder's Lease is taken while renewed", spec: held, observedAt: 1_000, now: 15_999, want: false },
    { name: "another holder's Lease is free a full duration after we last saw it change", spec: held, observedAt: 1_000, now: 16_000, want: true },
  ])("$name", ({ spec, observedAt, now, want }) => expect(leaseFree(spec, "me", observedAt, now, 15_000)).toBe(want));
});
