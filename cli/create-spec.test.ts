import { describe, expect, it } from "vitest";
import { buildSprite } from "./create-spec.js";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOr6 me@laptop";

describe("buildSprite", () => {
  it("defaults the image and leaves the rest to the CRD's defaults", () => {
    const { sprite, problems } = buildSprite({ name: "dev", namespace: "ns" });
    expect(problems).toEqual([]);
    expect(sprite).toEqual({ apiVersion: "puck.sandwich.labs/v1alpha1", kind: "Sprite", metadata: { name: "dev", namespace: "ns" }, spec: { image: "puck-sprite:dev" } });
  });

  it("turns every flag into the spec", () => {
    const { sprite } = buildSprite({
      name: "web", namespace: "ns", image: "node:24", storage: "20Gi", storageClass: "fast", idleTimeout: "2h", persist: "home",
      cpu: "500m", memory: "1Gi", cpuLimit: "2", memoryLimit: "2Gi", authorizedKeys: `# mine\n${KEY}\n\n`,
    });
    expect(sprite?.spec).toEqual({
      image: "node:24", storageSize: "20Gi", storageClassName: "fast", persist: "home", idleTimeoutMinutes: 120,
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
      authorizedKeys: [KEY],
    });
  });

  it("places it on a node and tolerates taints: with a value Equal, without one Exists", () => {
    const { sprite, problems } = buildSprite({ name: "dev", namespace: "ns", node: "node-b", tolerate: ["puck.sandwich.labs/e2e-node=node-b:NoSchedule", "dedicated"] });
    expect(problems).toEqual([]);
    expect(sprite?.spec.nodeSelector).toEqual({ "kubernetes.io/hostname": "node-b" });
    expect(sprite?.spec.tolerations).toEqual([
      { key: "puck.sandwich.labs/e2e-node", operator: "Equal", value: "node-b", effect: "NoSchedule" },
      { key: "dedicated", operator: "Exists" },
    ]);
  });

  it.each([
    ["a node name with a space", { node: "node b" }, /--node "node b" is not a node name/],
    ["a taint with an unknown effect", { tolerate: ["dedicated=sprites:Never"] }, /--tolerate "dedicated=sprites:Never" is not a taint: use KEY\[=VALUE\]\[:EFFECT\]/],
    ["a missing name", { name: undefined }, /a name is required/],
    ["an uppercase name", { name: "Dev" }, /name "Dev" is invalid/],
    ["a name ending with a dash", { name: "dev-" }, /name "dev-" is invalid/],
    ["a name too long for its children's names", { name: "a".repeat(41) }, /41 characters long; the limit is 40/],
    ["an image with spaces", { image: "my image" }, /image "my image" is invalid/],
    ["a storage size without a number", { storage: "big" }, /--storage "big" is not a positive size/],
    ["a zero storage size", { storage: "0Gi" }, /--storage "0Gi"/],
    ["a lowercase binary suffix", { storage: "10gi" }, /--storage "10gi"/],
    ["an idle timeout in words", { idleTimeout: "later" }, /--idle-timeout "later" is not a duration/],
    ["an idle timeout over a week", { idleTimeout: "8d" }, /--idle-timeout "8d" is out of range/],
    ["a CPU limit below the request", { cpu: "2", cpuLimit: "500m" }, /--cpu-limit "500m" is below --cpu "2"/],
    ["a memory limit below the request", { memory: "2Gi", memoryLimit: "1Gi" }, /--memory-limit "1Gi" is below --memory "2Gi"/],
    ["a bad storage class", { storageClass: "Fast_SSD" }, /--storage-class "Fast_SSD"/],
    ["a persistence that is not one", { persist: "everything" }, /--persist "everything" is not one of machine, home/],
    ["a key file with no keys", { authorizedKeys: "# nothing\n" }, /holds no keys/],
    ["a key file with a private key", { authorizedKeys: "-----BEGIN OPENSSH PRIVATE KEY-----" }, /is not an SSH public key/],
  ])("refuses %s, naming the value", (_name, patch, message) => {
    const { sprite, problems } = buildSprite({ name: "dev", namespace: "ns", ...patch });
    expect(sprite).toBeUndefined();
    expect(problems.join("\n")).toMatch(message);
  });

  it("reports every problem at once", () => {
    const { problems } = buildSprite({ name: "Bad_Name", namespace: "ns", storage: "lots", idleTimeout: "0", cpu: "x" });
    expect(problems).toHaveLength(4);
  });
});
