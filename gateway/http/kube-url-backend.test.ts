import { describe, expect, it } from "vitest";
import { at, awake, ready, sprite } from "../../operator/api/sprite-fixture.js";
import { urlSprite } from "./kube-url-backend.js";

describe("urlSprite", () => {
  it("reads an Active, Ready Sprite as awake, with its URL ports and its running services' ports", () => {
    const s = { ...sprite(awake, 2, { uid: "u1" }), spec: { image: "x", http: [{ port: 8000, public: true }], services: [
      { name: "web", command: ["x"], port: 8000 }, { name: "off", command: ["x"], port: 9000, stopped: true }, { name: "worker", command: ["x"] },
    ] } };
    expect(urlSprite(s)).toEqual({ uid: "u1", http: [{ port: 8000, public: true }], servicePorts: [8000], state: "awake", wokeAtMs: Date.parse(at(-60)) });
  });
  it("reads a hibernated Sprite as asleep, and one starting as waking", () => {
    expect(urlSprite(sprite({ phase: "Hibernating", hibernatedAt: at(-1), wokeAt: at(-60) })).state).toBe("asleep");
    expect(urlSprite(sprite({ phase: "Starting", conditions: [ready("False", "PodStarting")] })).state).toBe("waking");
  });
});
