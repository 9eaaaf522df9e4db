import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { describePublicKey, forwardOpenError, gatewayAddress, servingPod, type PodObject } from "./gateway.js";

describe("gatewayAddress", () => {
  it("is the LoadBalancer's IP and the Service's ssh port", () => {
    expect(gatewayAddress({ spec: { ports: [{ name: "metrics", port: 9 }, { name: "ssh", port: 2222 }] }, status: { loadBalancer: { ingress: [{ ip: "192.0.2.7" }] } } })).toEqual({ host: "192.0.2.7", port: 2222 });
  });

  it("is the LoadBalancer's host name where a cloud gives one instead of an IP", () => {
    expect(gatewayAddress({ spec: { ports: [{ port: 22 }] }, status: { loadBalancer: { ingress: [{ hostname: "gw.example.net" }] } } })).toEqual({ host: "gw.example.net", port: 22 });
  });

  it("is undefined while the LoadBalancer has no address (pending, or no load balancer at all)", () => {
    expect(gatewayAddress({ spec: { ports: [{ name: "ssh", port: 2222 }] }, status: { loadBalancer: {} } })).toBeUndefined();
    expect(gatewayAddress({ status: { loadBalancer: { ingress: [{}] } } })).toBeUndefined();
  });
});

describe("servingPod", () => {
  const pod = (name: string, phase: string, ready: string, deleting = false): PodObject => ({
    metadata: { name, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
    status: { phase, conditions: [{ type: "Ready", status: ready }] },
  });

  it("skips pods that are starting, not ready, or being deleted", () => {
    expect(servingPod([pod("a", "Pending", "False"), pod("b", "Running", "False"), pod("c", "Running", "True", true), pod("d", "Running", "True")])).toBe("d");
  });

  it("is undefined when no pod serves", () => {
    expect(servingPod([pod("a", "Running", "False")])).toBeUndefined();
    expect(servingPod([])).toBeUndefined();
  });
});

describe("describePublicKey", () => {
  it("gives the known_hosts form and OpenSSH's SHA256 fingerprint of a key blob", () => {
    const type = Buffer.from("ssh-ed25519");
    const key = Buffer.alloc(32, 7);
    const blob = Buffer.concat([Buffer.from([0, 0, 0, type.length]), type, Buffer.from([0, 0, 0, 32]), key]);
    const expected = createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
    expect(describePublicKey(blob)).toEqual({ publicKey: `ssh-ed25519 ${blob.toString("base64")}`, fingerprint: `SHA256:${expected}` });
  });
});

describe("forwardOpenError", () => {
  it("names the missing right on 403", () => {
    const error = forwardOpenError(new Error("Unexpected server response: 403"), "team", "Sprite dev");
    expect(error.message).toBe("not allowed to port-forward to Sprite dev in namespace team");
    expect(error.hint).toContain("kubectl auth can-i create pods/portforward -n team");
    expect(error.retryable).toBe(false);
  });

  it("a pod that is gone (404) may be woken again and retried", () => {
    expect(forwardOpenError(new Error("Unexpected server response: 404"), "team", "Sprite dev").retryable).toBe(true);
  });
});
