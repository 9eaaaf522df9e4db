// The order a Sprite's children are ensured in, as its decision plans it.
import { describe, expect, it } from "vitest";
import { childOrder } from "./children.js";

describe("childOrder", () => {
  it("makes the agent's RBAC before the StatefulSet, and the home volume before a pod that needs it", () => {
    const order = childOrder({ hibernate: false });
    expect(order.indexOf("serviceAccount")).toBeLessThan(order.indexOf("statefulSet"));
    expect(order.indexOf("homeVolume")).toBeLessThan(order.indexOf("statefulSet"));
  });

  it("gives the pod its network boundary before it can run, either way", () => {
    for (const hibernate of [false, true]) {
      const order = childOrder({ hibernate });
      expect(order.indexOf("networkPolicy")).toBeLessThan(order.indexOf("statefulSet"));
    }
  });

  it("scales down first when hibernating: the scale-down is what the user waits for", () => {
    const order = childOrder({ hibernate: true });
    expect(order.indexOf("statefulSet")).toBeLessThan(order.indexOf("homeVolume"));
  });

  it("ensures every child, each once, either way", () => {
    for (const hibernate of [false, true]) expect([...childOrder({ hibernate })].sort()).toEqual(["homeVolume", "networkPolicy", "role", "roleBinding", "service", "serviceAccount", "servicesConfig", "statefulSet"]);
  });
});
