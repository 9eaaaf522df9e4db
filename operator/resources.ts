// Where each kind the operator touches lives in the API: REST paths for namespaced resources.
import { GROUP, PLURAL, VERSION } from "./api/index.js";

export const RESOURCES = {
  sprites: { prefix: `/apis/${GROUP}/${VERSION}`, plural: PLURAL },
  statefulsets: { prefix: "/apis/apps/v1", plural: "statefulsets" },
  services: { prefix: "/api/v1", plural: "services" },
  pods: { prefix: "/api/v1", plural: "pods" },
  persistentvolumeclaims: { prefix: "/api/v1", plural: "persistentvolumeclaims" },
  serviceaccounts: { prefix: "/api/v1", plural: "serviceaccounts" },
  events: { prefix: "/api/v1", plural: "events" },
  roles: { prefix: "/apis/rbac.authorization.k8s.io/v1", plural: "roles" },
  rolebindings: { prefix: "/apis/rbac.authorization.k8s.io/v1", plural: "rolebindings" },
  leases: { prefix: "/apis/coordination.k8s.io/v1", plural: "leases" },
  storageclasses: { prefix: "/apis/storage.k8s.io/v1", plural: "storageclasses" },
} as const;

export type ResourceName = keyof typeof RESOURCES;

/** The path of a collection (all namespaces when `namespace` is undefined), an object, or a subresource. */
export function resourcePath(resource: ResourceName, namespace?: string, name?: string, subresource?: string): string {
  const { prefix, plural } = RESOURCES[resource];
  const ns = namespace === undefined ? "" : `/namespaces/${namespace}`;
  const obj = name === undefined ? "" : `/${name}`;
  const sub = subresource === undefined ? "" : `/${subresource}`;
  return `${prefix}${ns}/${plural}${obj}${sub}`;
}

/** Cluster-scoped objects such as StorageClasses. */
export const clusterPath = (resource: ResourceName, name?: string): string =>
  `${RESOURCES[resource].prefix}/${RESOURCES[resource].plural}${name === undefined ? "" : `/${name}`}`;
