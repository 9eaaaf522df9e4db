// The home volume's copier: a claim is only ever grown, and nothing else of its spec is touched.
import { describe, expect, it } from "vitest";
import { growStorageOnly } from "./home-volume.js";

const claim = (storage: string) => ({
  metadata: { name: "home-demo", namespace: "ns", resourceVersion: "7" },
  spec: { accessModes: ["ReadWriteOnce"], storageClassName: "local-path", volumeName: "pv-1", resources: { requests: { storage } } },
});

describe("growStorageOnly", () => {
  it("finds a larger request and copies only it onto the live claim", () => {
    const desired = claim("20Gi");
    const live = claim("10Gi");
    expect(growStorageOnly.difference(desired, live)).toBe("spec.resources.requests.storage");
    expect(growStorageOnly.update(desired, live)).toEqual({ ...live, spec: { ...live.spec, resources: { requests: { storage: "20Gi" } } } });
  });

  it.each([
    ["the same size in other units", "10Gi", "10240Mi"],
    ["a smaller request (a claim never shrinks)", "5Gi", "10Gi"],
  ])("sees no difference in %s", (_, want, have) => {
    expect(growStorageOnly.difference(claim(want), claim(have))).toBeUndefined();
  });
});
