// The Sprite's network boundary as a NetworkPolicy: a pure builder from its spec and the cluster's
// facts (where the API server is, the nodes' addresses, the Services it was allowed to reach).
//
// Nothing comes in over the pod network: every way into a Sprite (exec, port-forward, the SSH
// gateway, its URLs) goes through the API server and the kubelet, so the policy allows no ingress.
// Out, it reaches DNS, the API server (its agent reports there) and the internet; not the cluster's
// pods and Services, not the nodes' own ports (kubelet, sshd), not the private ranges where the home
// LAN lives — unless spec.network.allow names them.
import { BlockList, isIPv4, isIPv6 } from "node:net";
import { PRIVATE_RANGES, childNames, serviceKey, validCidr, type NetworkAllow, type Sprite } from "../api/index.js";
import { childMeta, selectorLabels } from "./desired-objects.js";
import { deepEqual } from "../runtime/compare.js";
import type { Copier } from "../runtime/ensure.js";

/** A Service that an allowance names, as read: the pods it selects and the ports they serve on. */
export interface AllowedService {
  namespace: string;
  selector: Record<string, string>;
  ports: { targetPort: number | string; protocol: string }[];
}

export interface NetworkFacts {
  /** The API server's addresses and port, from the `kubernetes` Service's endpoints. */
  apiServer: { addresses: string[]; port: number };
  /** Every node's addresses: their own ports are out of reach, whatever range holds them. */
  nodeAddresses: string[];
  /** Services of spec.network.allow by NAMESPACE/NAME; null: not found or selects no pods. */
  services: ReadonlyMap<string, AllowedService | null>;
  /** NAMESPACE/NAME of the Sprites whose spec.network.allow names this one: they may come in. */
  allowedFrom?: readonly string[];
}

const IPV6_PRIVATE_RANGES = ["fc00::/7", "fe80::/10", "::1/128"] as const;
/** CoreDNS, as k3s (and kubeadm) label it. */
const DNS_PEER = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } };
const DNS_PORTS = [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }];

const hostCidr = (address: string) => (isIPv6(address) ? `${address}/128` : `${address}/32`);

function contains(cidr: string, address: string): boolean {
  const [net, bits] = cidr.split("/");
  const family = isIPv6(net!) ? "ipv6" : "ipv4";
  if ((family === "ipv6") !== isIPv6(address)) return false;
  const list = new BlockList();
  try {
    list.addSubnet(net!, Number(bits), family);
  } catch {
    return false;
  }
  return list.check(address, family);
}

/** An allowed range, less the nodes inside it: naming the home LAN does not open the nodes' ports. */
function rangeRule(allow: NetworkAllow & { cidr: string }, nodes: readonly string[]) {
  const except = nodes.filter((a) => contains(allow.cidr, a) && hostCidr(a) !== allow.cidr).map(hostCidr);
  return {
    to: [{ ipBlock: { cidr: allow.cidr, ...(except.length ? { except } : {}) } }],
    ...(allow.ports?.length ? { ports: allow.ports.map((port) => ({ protocol: "TCP", port })) } : {}),
  };
}

/** Another Sprite's pod, by its namespace and its selector labels. */
function spritePeer(key: string) {
  const [namespace, name] = key.split("/") as [string, string];
  return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } }, podSelector: { matchLabels: selectorLabels(name) } };
}

function serviceRule(service: AllowedService) {
  return {
    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": service.namespace } }, podSelector: { matchLabels: service.selector } }],
    ports: service.ports.map((p) => ({ protocol: p.protocol, port: p.targetPort })),
  };
}

/** Empty lists and maps dropped, as the API server stores them. */
function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (typeof value !== "object" || value === null) return value;
  const kept = Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => [k, withoutEmpty(v)] as const)
    .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0) && !(typeof v === "object" && v !== null && Object.keys(v).length === 0));
  return Object.fromEntries(kept);
}

/**
 * The policy's spec is the operator's whole: compared exactly (not as a subset, which would miss an
 * allowance's ports or a Sprite's ingress rule taken away) and written whole.
 */
export const networkPolicyCopier: Copier = {
  difference: (desired, current) => (deepEqual(withoutEmpty(desired.spec), withoutEmpty(current.spec)) ? undefined : "spec"),
  update: (desired, current) => ({ ...current, spec: desired.spec }),
};

export interface DesiredNetworkPolicy {
  policy: ReturnType<typeof policyObject>;
  /** Allowances left out, each with why: an invalid range, a Service that is not there. */
  unresolved: string[];
}

function policyObject(sprite: Sprite, egress: unknown[], allowedFrom: readonly string[]) {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: childMeta(sprite, childNames(sprite.metadata.name).networkPolicy, "sprite"),
    spec: {
      podSelector: { matchLabels: selectorLabels(sprite.metadata.name) },
      // Ingress named with no rules: nothing comes in (an empty list would be dropped on the way),
      // but for the Sprites that were allowed to reach this one.
      policyTypes: ["Ingress", "Egress"],
      ...(allowedFrom.length > 0 ? { ingress: [{ from: allowedFrom.map(spritePeer) }] } : {}),
      egress,
    },
  };
}

export function desiredNetworkPolicy(sprite: Sprite, facts: NetworkFacts): DesiredNetworkPolicy {
  const namespace = sprite.metadata.namespace ?? "";
  const nodes = [...new Set(facts.nodeAddresses)].sort();
  const v4Nodes = nodes.filter((a) => isIPv4(a)).map(hostCidr);
  const v6Nodes = nodes.filter((a) => isIPv6(a)).map(hostCidr);
  const egress: unknown[] = [
    { to: [DNS_PEER], ports: DNS_PORTS },
    { to: facts.apiServer.addresses.map((a) => ({ ipBlock: { cidr: hostCidr(a) } })), ports: [{ protocol: "TCP", port: facts.apiServer.port }] },
    {
      to: [
        { ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES, ...v4Nodes] } },
        // IPv6 only where the nodes have it: an IPv4-only enforcer logs every IPv6 block it ignores.
        ...(v6Nodes.length > 0 ? [{ ipBlock: { cidr: "::/0", except: [...IPV6_PRIVATE_RANGES, ...v6Nodes] } }] : []),
      ],
    },
  ];
  const unresolved: string[] = [];
  for (const allow of sprite.spec.network?.allow ?? []) {
    if (allow.cidr !== undefined) {
      if (validCidr(allow.cidr)) egress.push(rangeRule({ ...allow, cidr: allow.cidr }, nodes));
      else unresolved.push(`${allow.cidr} is not an address range (e.g. 192.168.1.0/24)`);
    } else if (allow.service !== undefined) {
      const key = serviceKey(allow.service, namespace);
      const service = facts.services.get(key);
      if (service && service.ports.length > 0) egress.push(serviceRule(service));
      else unresolved.push(`Service ${key} ${service === undefined ? "was not read" : "does not exist or selects no pods"}`);
    } else if (allow.sprite !== undefined) {
      egress.push({ to: [spritePeer(serviceKey(allow.sprite, namespace))] });
    }
  }
  return { policy: policyObject(sprite, egress, [...new Set(facts.allowedFrom ?? [])].sort()), unresolved };
}
