// The one place that spells API server URLs: resource types as data, and paths built from them.
//
// A resource type is data (group, version, plural), so that custom resources are described where
// they are defined: the Sprite's type lives in operator/api beside its group and version and is passed
// in here. kube/ then imports nothing from the programs and the dependency points one way.

export interface ResourceType {
  /** "" for the core group (/api/v1). */
  group: string;
  version: string;
  plural: string;
}

/** The built-in types Puck touches. */
export const CORE = {
  pods: { group: "", version: "v1", plural: "pods" },
  services: { group: "", version: "v1", plural: "services" },
  persistentvolumeclaims: { group: "", version: "v1", plural: "persistentvolumeclaims" },
  serviceaccounts: { group: "", version: "v1", plural: "serviceaccounts" },
  events: { group: "", version: "v1", plural: "events" },
  configmaps: { group: "", version: "v1", plural: "configmaps" },
  secrets: { group: "", version: "v1", plural: "secrets" },
  namespaces: { group: "", version: "v1", plural: "namespaces" },
  statefulsets: { group: "apps", version: "v1", plural: "statefulsets" },
  roles: { group: "rbac.authorization.k8s.io", version: "v1", plural: "roles" },
  rolebindings: { group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings" },
  leases: { group: "coordination.k8s.io", version: "v1", plural: "leases" },
  storageclasses: { group: "storage.k8s.io", version: "v1", plural: "storageclasses" },
  nodes: { group: "", version: "v1", plural: "nodes" },
  persistentvolumes: { group: "", version: "v1", plural: "persistentvolumes" },
  networkpolicies: { group: "networking.k8s.io", version: "v1", plural: "networkpolicies" },
  endpointslices: { group: "discovery.k8s.io", version: "v1", plural: "endpointslices" },
} as const satisfies Record<string, ResourceType>;

export interface PathParts {
  /** Undefined: across all namespaces (a collection), or a cluster-scoped type. */
  namespace?: string | undefined;
  name?: string | undefined;
  /** e.g. "status", "scale". */
  subresource?: string | undefined;
}

const groupPrefix = (type: ResourceType) => (type.group === "" ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`);

/** The path of a collection, an object, or an object's subresource. Names are URL-encoded. */
export function resourcePath(type: ResourceType, parts: PathParts = {}): string {
  const ns = parts.namespace === undefined ? "" : `/namespaces/${encodeURIComponent(parts.namespace)}`;
  const name = parts.name === undefined ? "" : `/${encodeURIComponent(parts.name)}`;
  const sub = parts.subresource === undefined || parts.name === undefined ? "" : `/${parts.subresource}`;
  return `${groupPrefix(type)}${ns}/${type.plural}${name}${sub}`;
}

export type Query = Record<string, string | number | boolean | undefined>;

/** "?a=1&b=2" for the defined values, "" for none. */
export function queryText(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

/** The resource a path names, for metrics: "statefulsets", "sprites/status". */
export function resourceOfPath(path: string): string {
  const parts = path.split("?")[0]!.split("/").filter(Boolean);
  const ns = parts.indexOf("namespaces");
  if (ns >= 0 && parts.length > ns + 2) {
    const rest = parts.slice(ns + 2);
    return rest.length >= 3 ? `${rest[0]}/${rest[2]}` : rest[0]!;
  }
  // Cluster-wide: /api/v1/pods, /apis/g/v/plural[/name[/sub]].
  const afterVersion = parts[0] === "api" ? parts.slice(2) : parts.slice(3);
  if (afterVersion.length >= 3) return `${afterVersion[0]}/${afterVersion[2]}`;
  return afterVersion[0] ?? "unknown";
}
