// The Sprite's NetworkPolicy from its spec and the cluster's facts.
import { describe, expect, it } from "vitest";
import type { NetworkAllow, Sprite } from "../api/index.js";
import { serviceKey, validCidr } from "../api/index.js";
import { desiredNetworkPolicy, networkPolicyCopier, type AllowedService, type NetworkFacts } from "./network-policy.js";

const sprite = (allow?: NetworkAllow[]): Sprite => ({
  apiVersion: "puck.sandwich.labs/v1alpha1",
  kind: "Sprite",
  metadata: { name: "dev", namespace: "team", uid: "u-1" },
  spec: { image: "x", ...(allow ? { network: { allow } } : {}) },
});

const facts = (over: Partial<NetworkFacts> = {}): NetworkFacts => ({
  apiServer: { addresses: ["192.0.2.2"], port: 6443 },
  nodeAddresses: ["192.0.2.2", "192.168.1.11"],
  services: new Map(),
  ...over,
});

type Rule = { to: Record<string, unknown>[]; ports?: { protocol: string; port: number | string }[] };
const egress = (s: Sprite, f = facts()) => desiredNetworkPolicy(s, f).policy.spec.egress as Rule[];

describe("desiredNetworkPolicy", () => {
  it("selects the Sprite's pod, is owned by the Sprite, and lets nothing in", () => {
    const { policy } = desiredNetworkPolicy(sprite(), facts());
    expect(policy.metadata).toMatchObject({ name: "dev", namespace: "team", ownerReferences: [{ kind: "Sprite", name: "dev", uid: "u-1", controller: true }] });
    expect(policy.spec.podSelector).toEqual({ matchLabels: { "puck.sandwich.labs/sprite": "dev", "app.kubernetes.io/component": "sprite" } });
    expect(policy.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(policy.spec).not.toHaveProperty("ingress");
  });

  it("reaches CoreDNS on 53, the API server on its port only, and the internet without private ranges or nodes", () => {
    const [dns, api, internet, ...rest] = egress(sprite());
    expect(dns).toEqual({
      to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
      ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
    });
    expect(api).toEqual({ to: [{ ipBlock: { cidr: "192.0.2.2/32" } }], ports: [{ protocol: "TCP", port: 6443 }] });
    // The nodes' own addresses are out whether or not a private range holds them (192.0.2.2 is not).
    expect(internet).toEqual({
      to: [
        {
          ipBlock: {
            cidr: "0.0.0.0/0",
            except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8", "192.0.2.2/32", "192.168.1.11/32"],
          },
        },
      ],
    });
    expect(rest).toEqual([]);
  });

  it("has an IPv6 internet only where nodes have IPv6 addresses", () => {
    const [, , internet] = egress(sprite(), facts({ nodeAddresses: ["192.0.2.2", "2001:db8::2"] }));
    expect(internet!.to[1]).toEqual({ ipBlock: { cidr: "::/0", except: ["fc00::/7", "fe80::/10", "::1/128", "2001:db8::2/128"] } });
  });

  it("adds an allowed range, on its ports, less the nodes inside it", () => {
    const rules = egress(sprite([{ cidr: "192.168.1.0/24", ports: [22, 443] }, { cidr: "192.168.1.11/32" }]));
    expect(rules[3]).toEqual({
      to: [{ ipBlock: { cidr: "192.168.1.0/24", except: ["192.168.1.11/32"] } }],
      ports: [{ protocol: "TCP", port: 22 }, { protocol: "TCP", port: 443 }],
    });
    // A node named alone is meant: allowed as asked.
    expect(rules[4]).toEqual({ to: [{ ipBlock: { cidr: "192.168.1.11/32" } }] });
  });

  it("adds an allowed Service as its pods on their target ports", () => {
    const jellyfin: AllowedService = { namespace: "media", selector: { app: "jellyfin" }, ports: [{ targetPort: 8096, protocol: "TCP" }, { targetPort: "http", protocol: "TCP" }] };
    const { policy, unresolved } = desiredNetworkPolicy(sprite([{ service: "media/jellyfin" }]), facts({ services: new Map([["media/jellyfin", jellyfin]]) }));
    expect(policy.spec.egress[3]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "media" } }, podSelector: { matchLabels: { app: "jellyfin" } } }],
      ports: [{ protocol: "TCP", port: 8096 }, { protocol: "TCP", port: "http" }],
    });
    expect(unresolved).toEqual([]);
  });

  it("leaves out what it cannot honour, and says why", () => {
    const { policy, unresolved } = desiredNetworkPolicy(
      sprite([{ cidr: "192.168.1.0/33" }, { service: "db" }, { service: "other/gone" }]),
      facts({ services: new Map([["team/db", null]]) }),
    );
    expect(policy.spec.egress).toHaveLength(3);
    expect(unresolved).toEqual([
      "192.168.1.0/33 is not an address range (e.g. 192.168.1.0/24)",
      "Service team/db does not exist or selects no pods",
      "Service other/gone was not read",
    ]);
  });
});

describe("another Sprite", () => {
  const peer = (ns: string, name: string) => ({
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
    podSelector: { matchLabels: { "puck.sandwich.labs/sprite": name, "app.kubernetes.io/component": "sprite" } },
  });
  it("allowed by name: its pod, every port", () => {
    expect(egress(sprite([{ sprite: "db" }, { sprite: "lab/web" }])).slice(3)).toEqual([{ to: [peer("team", "db")] }, { to: [peer("lab", "web")] }]);
  });
  it("lets in the Sprites that name it, and no one else", () => {
    const { policy } = desiredNetworkPolicy(sprite(), facts({ allowedFrom: ["team/web", "lab/ci", "team/web"] }));
    expect(policy.spec).toMatchObject({ policyTypes: ["Ingress", "Egress"], ingress: [{ from: [peer("lab", "ci"), peer("team", "web")] }] });
  });
});

describe("networkPolicyCopier", () => {
  const stored = (spec: unknown) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "dev", resourceVersion: "7" }, spec });
  it("sees no change in the policy as the API server stores it, and any change in what the operator owns", () => {
    const { policy } = desiredNetworkPolicy(sprite([{ cidr: "192.168.1.20/32", ports: [22] }]), facts({ allowedFrom: ["team/web"] }));
    expect(networkPolicyCopier.difference(policy, stored(JSON.parse(JSON.stringify(policy.spec))))).toBeUndefined();
    // An allowance's ports taken away, a Sprite's ingress rule taken away: a subset check would miss both.
    const wider = desiredNetworkPolicy(sprite([{ cidr: "192.168.1.20/32" }]), facts({ allowedFrom: ["team/web"] })).policy;
    expect(networkPolicyCopier.difference(wider, stored(policy.spec))).toBe("spec");
    const closed = desiredNetworkPolicy(sprite([{ cidr: "192.168.1.20/32", ports: [22] }]), facts()).policy;
    expect(networkPolicyCopier.difference(closed, stored(policy.spec))).toBe("spec");
    expect(networkPolicyCopier.update(closed, stored(policy.spec))).toMatchObject({ metadata: { resourceVersion: "7" }, spec: closed.spec });
  });
});

describe("serviceKey", () => {
  it("puts a bare name in the Sprite's namespace", () => {
    expect(serviceKey("db", "team")).toBe("team/db");
    expect(serviceKey("media/jellyfin", "team")).toBe("media/jellyfin");
  });
});

describe("validCidr", () => {
  it.each([
    ["192.168.1.0/24", true],
    ["10.0.0.1/32", true],
    ["2001:db8::/32", true],
    ["192.168.1.0/33", false],
    ["192.168.1/24", false],
    ["2001:db8::/129", false],
    ["192.168.1.0", false],
    ["192.168.1.0/24/1", false],
  ])("%s → %s", (cidr, valid) => expect(validCidr(cidr)).toBe(valid));
});
