// What a Sprite's NetworkPolicy is built from, read from the cluster (operator/sprite/network-policy.ts
// is the pure part): where the API server is, the nodes' addresses, the Services it may reach.
import type { KubeClient, KubeObject } from "../../kube/client.js";
import type { AllowedService, NetworkFacts } from "./network-policy.js";
import { SPRITES, allowedSprites, serviceKey, type Sprite } from "../api/index.js";
import { readObject } from "../runtime/ensure.js";
import { clusterPath, resourcePath } from "../runtime/resources.js";

/** The API server moves seldom (a server node added or readdressed): read again at most this often. */
const API_SERVER_TTL_MS = 5 * 60_000;

type EndpointSlice = KubeObject & { endpoints?: { addresses?: string[] }[]; ports?: { name?: string; port?: number }[] };
type NodeObject = KubeObject & { status?: { addresses?: { type: string; address: string }[] } };
type ServiceObject = KubeObject & {
  spec?: { selector?: Record<string, string>; ports?: { port: number; targetPort?: number | string; protocol?: string }[] };
};

let apiServerMemo: { at: number; value: NetworkFacts["apiServer"] } | undefined;

/**
 * The `kubernetes` Service's endpoints (the API server's own addresses: a NetworkPolicy sees the
 * packet after the Service address is translated). Unreadable, the nodes' addresses on k3s's port
 * stand in: on k3s the API server runs on the server nodes.
 */
async function apiServer(client: KubeClient, nodes: readonly string[], now: number): Promise<NetworkFacts["apiServer"]> {
  if (apiServerMemo && now - apiServerMemo.at < API_SERVER_TTL_MS) return apiServerMemo.value;
  let value: NetworkFacts["apiServer"] = { addresses: [...nodes], port: 6443 };
  try {
    const slice = (await readObject(client, resourcePath("endpointslices", "default", "kubernetes"))) as EndpointSlice | undefined;
    const addresses = slice?.endpoints?.flatMap((e) => e.addresses ?? []) ?? [];
    const port = slice?.ports?.find((p) => p.name === "https")?.port ?? slice?.ports?.[0]?.port;
    if (addresses.length > 0 && port) value = { addresses, port };
  } catch {
    // The stand-in above; tried again after the TTL.
  }
  apiServerMemo = { at: now, value };
  return value;
}

export function nodeAddresses(nodes: Iterable<KubeObject>): string[] {
  return [...nodes].flatMap((n) => ((n as NodeObject).status?.addresses ?? []).filter((a) => a.type === "InternalIP" || a.type === "ExternalIP").map((a) => a.address));
}

async function allowedService(client: KubeClient, key: string): Promise<AllowedService | null> {
  const [namespace, name] = key.split("/") as [string, string];
  const service = (await readObject(client, resourcePath("services", namespace, name))) as ServiceObject | undefined;
  const selector = service?.spec?.selector;
  if (!service || !selector || Object.keys(selector).length === 0) return null;
  const ports = (service.spec?.ports ?? []).map((p) => ({ targetPort: p.targetPort ?? p.port, protocol: p.protocol ?? "TCP" }));
  return { namespace, selector, ports };
}

/** NAMESPACE/NAME of the Sprites whose spec.network.allow names `sprite`. */
export function allowedFrom(sprite: Sprite, sprites: Iterable<KubeObject>): string[] {
  const key = `${sprite.metadata.namespace}/${sprite.metadata.name}`;
  return [...sprites].flatMap((o) => {
    const other = o as unknown as Sprite;
    return allowedSprites(other.spec ?? {}, other.metadata.namespace ?? "").includes(key) ? [`${other.metadata.namespace}/${other.metadata.name}`] : [];
  });
}

/** The facts for one Sprite; `nodes` and `sprites` are the watches' objects when they have listed. */
export async function networkFacts(
  client: KubeClient,
  sprite: Sprite,
  cached: { nodes?: Iterable<KubeObject> | undefined; sprites?: Iterable<KubeObject> | undefined },
  now: number,
): Promise<NetworkFacts> {
  const nodes = cached.nodes;
  const sprites = cached.sprites ?? ((await client.request("GET", resourcePath(SPRITES))) as { items?: KubeObject[] }).items ?? [];
  const nodeList = nodes ?? ((await client.request("GET", clusterPath("nodes"))) as { items?: KubeObject[] }).items ?? [];
  const addresses = nodeAddresses(nodeList);
  const namespace = sprite.metadata.namespace ?? "";
  const services = new Map<string, AllowedService | null>();
  for (const allow of sprite.spec.network?.allow ?? []) {
    if (allow.service === undefined) continue;
    const key = serviceKey(allow.service, namespace);
    if (!services.has(key)) services.set(key, await allowedService(client, key));
  }
  return { apiServer: await apiServer(client, addresses, now), nodeAddresses: addresses, services, allowedFrom: allowedFrom(sprite, sprites) };
}
