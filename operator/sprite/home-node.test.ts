import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../kube/client.js";
import { hibernatingSprites, homeNode, kubeletSaysReady, nodeNotReady, nodeReadinessChanged, spritesOnNode, volumeNode } from "./home-node.js";

const pinned = (...values: string[]): KubeObject => ({
  metadata: { name: "pvc-1" },
  spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values }] }] } } },
} as KubeObject);
const pod = (nodeName?: string): KubeObject => ({ metadata: { name: "dev-0" }, spec: nodeName ? { nodeName } : {} } as KubeObject);
const node = (status: string, message?: string): KubeObject =>
  ({ metadata: { name: "b" }, status: { conditions: [{ type: "Ready", status, ...(message ? { message } : {}) }] } }) as KubeObject;

describe("volumeNode", () => {
  it.each([
    ["a local volume pins the one node it names", pinned("b"), "b"],
    ["a volume allowed on several nodes pins none", pinned("a", "b"), undefined],
    ["a volume without node affinity (network storage) pins none", { metadata: { name: "pvc-1" }, spec: {} } as KubeObject, undefined],
    ["no volume yet (the claim waits for its first pod) pins none", undefined, undefined],
  ])("%s", (_name, volume, want) => expect(volumeNode(volume)).toBe(want));
});

describe("homeNode", () => {
  it("the volume's node comes first: a pod not yet scheduled has none", () => {
    expect(homeNode(pod(), pinned("b"))).toEqual({ node: "b", pinnedBy: "volume" });
  });
  it("without a pinning volume, the node the pod is bound to", () => {
    expect(homeNode(pod("c"), undefined)).toEqual({ node: "c", pinnedBy: "pod" });
  });
  it("neither: nothing to judge", () => {
    expect(homeNode(pod(), undefined)).toBeUndefined();
  });
});

describe("nodeNotReady", () => {
  it("a Ready node is fine", () => {
    expect(nodeNotReady({ node: "b", pinnedBy: "volume" }, node("True"))).toBeUndefined();
  });
  it("a node whose kubelet went silent names the node and the volume, with the node's own reason", () => {
    expect(nodeNotReady({ node: "b", pinnedBy: "volume" }, node("Unknown", "Kubelet stopped posting node status."))).toEqual({
      reason: "NodeNotReady",
      message: "its home volume lives on node b, which is not ready (Kubelet stopped posting node status)",
    });
  });
  it("a pod bound to a NotReady node, without a local volume, says where the pod runs", () => {
    expect(nodeNotReady({ node: "c", pinnedBy: "pod" }, node("False"))?.message).toBe("its pod runs on node c, which is not ready");
  });
  it("a node deleted from the cluster says it is gone", () => {
    expect(nodeNotReady({ node: "b", pinnedBy: "volume" }, undefined)?.message).toBe("its home volume lives on node b, which is no longer in the cluster");
  });
});

describe("nodeReadinessChanged and spritesOnNode", () => {
  it("a node matters when it appears, goes, or its Ready status turns; not on every status write", () => {
    expect(nodeReadinessChanged(node("True"), false, undefined)).toBe(true);
    expect(nodeReadinessChanged(node("True"), true, node("True"))).toBe(true);
    expect(nodeReadinessChanged(node("Unknown"), false, node("True"))).toBe(true);
    expect(nodeReadinessChanged(node("True", "kubelet is posting ready status"), false, node("True"))).toBe(false);
  });
  it("the Sprites whose pods the node holds, by the pods' owner key", () => {
    const pods = [pod("b"), pod("c"), pod("b"), pod()].map((p, i) => ({ ...p, metadata: { name: `s${i}-0`, namespace: "ns" } }));
    expect(spritesOnNode(pods, "b", (p) => `ns/${p.metadata.name.replace(/-0$/, "")}`)).toEqual(["ns/s0", "ns/s2"]);
  });
  it("every hibernating Sprite, which has no pod to tell its node by", () => {
    const sprite = (name: string, phase?: string) => ({ metadata: { name, namespace: "ns" }, ...(phase ? { status: { phase } } : {}) }) as KubeObject;
    expect(hibernatingSprites([sprite("a", "Hibernating"), sprite("b", "Active"), sprite("c"), sprite("d", "Hibernating")])).toEqual(["ns/a", "ns/d"]);
  });
});

describe("kubeletSaysReady", () => {
  it("only the pod's Ready condition True counts", () => {
    expect(kubeletSaysReady({ metadata: { name: "p" }, status: { conditions: [{ type: "Ready", status: "True" }] } } as KubeObject)).toBe(true);
    expect(kubeletSaysReady({ metadata: { name: "p" }, status: { conditions: [{ type: "Ready", status: "False" }] } } as KubeObject)).toBe(false);
    expect(kubeletSaysReady(undefined)).toBe(false);
  });
});
