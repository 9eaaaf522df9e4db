import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../kube/client.js";
import { withHomeNode } from "./home-node-check.js";
import type { Resource } from "../runtime/resources.js";

const claim = { metadata: { name: "dev-home", namespace: "ns" }, spec: { volumeName: "pvc-1" } } as KubeObject;
const volume = {
  metadata: { name: "pvc-1" },
  spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["b"] }] }] } } },
} as KubeObject;
const node = (status: string) => ({ metadata: { name: "b" }, status: { conditions: [{ type: "Ready", status }] } }) as KubeObject;
const objects = (nodeStatus: string) =>
  new Map<string, KubeObject>([
    ["/api/v1/namespaces/ns/persistentvolumeclaims/dev-home", claim],
    ["/api/v1/persistentvolumes/pvc-1", volume],
    ["/api/v1/nodes/b", node(nodeStatus)],
  ]);
const reader = (map: Map<string, KubeObject>, seen: string[] = []) => ({
  get: (path: string) => {
    seen.push(path);
    return Promise.resolve(map.get(path));
  },
});
const readyPod = { metadata: { name: "dev-0" }, spec: { nodeName: "b" }, status: { conditions: [{ type: "Ready", status: "True" }] } } as KubeObject;

describe("withHomeNode", () => {
  it("a Sprite woken while its volume's node is down fails at once, before any pod exists", async () => {
    const pod = await withHomeNode(reader(objects("Unknown")), "ns", "dev", undefined, { exists: false, ready: false });
    expect(pod.failing).toEqual({ reason: "NodeNotReady", message: "its home volume lives on node b, which is not ready" });
  });

  it("a pod the kubelet reports Ready costs no reads", async () => {
    const seen: string[] = [];
    const pod = await withHomeNode(reader(objects("Unknown"), seen), "ns", "dev", readyPod, { exists: true, ready: true });
    expect(pod).toEqual({ exists: true, ready: true });
    expect(seen).toEqual([]);
  });

  it("a pod Ready by the agent's word alone on a node gone silent is not ready", async () => {
    const pod = await withHomeNode(reader(objects("Unknown")), "ns", "dev", { ...readyPod, status: {} }, { exists: true, ready: true });
    expect(pod).toMatchObject({ ready: false, failing: { reason: "NodeNotReady" } });
  });

  it("a starting pod on a Ready node is left as it is", async () => {
    const pod = await withHomeNode(reader(objects("True")), "ns", "dev", undefined, { exists: true, ready: false });
    expect(pod).toEqual({ exists: true, ready: false });
  });

  it("a read the operator may not make (an older install's RBAC) leaves the pod as it is", async () => {
    const forbidden = { get: () => Promise.reject(new Error("forbidden")) };
    const pod = await withHomeNode(forbidden, "ns", "dev", undefined, { exists: false, ready: false });
    expect(pod).toEqual({ exists: false, ready: false });
  });
});

describe("withHomeNode with the operator's caches", () => {
  it("reads the claim and the node from the watches, and only the volume from the API", async () => {
    const seen: string[] = [];
    const cache = {
      get: (resource: Resource, _namespace: string, name: string) => (resource === "persistentvolumeclaims" ? claim : resource === "nodes" && name === "b" ? node("False") : undefined),
    };
    const pod = await withHomeNode({ ...reader(objects("True"), seen), cache }, "ns", "dev", undefined, { exists: false, ready: false });
    expect(pod.failing?.reason).toBe("NodeNotReady");
    expect(seen).toEqual(["/api/v1/persistentvolumes/pvc-1"]);
  });
});
