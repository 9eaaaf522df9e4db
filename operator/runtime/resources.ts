// The kinds a controller touches: built-in ones by the short names its code uses, a custom resource
// by its type (operator/api's SPRITES), so the runtime knows no resource of its own; kube/paths spells
// their URLs.
import { CORE, resourcePath as pathOf, type ResourceType } from "../../kube/paths.js";

export const RESOURCES = {
  statefulsets: CORE.statefulsets,
  services: CORE.services,
  pods: CORE.pods,
  persistentvolumeclaims: CORE.persistentvolumeclaims,
  serviceaccounts: CORE.serviceaccounts,
  configmaps: CORE.configmaps,
  events: CORE.events,
  roles: CORE.roles,
  rolebindings: CORE.rolebindings,
  leases: CORE.leases,
  storageclasses: CORE.storageclasses,
  nodes: CORE.nodes,
  persistentvolumes: CORE.persistentvolumes,
  networkpolicies: CORE.networkpolicies,
  endpointslices: CORE.endpointslices,
} as const;

export type ResourceName = keyof typeof RESOURCES;

/** A built-in kind by its short name, or a custom resource by its type. */
export type Resource = ResourceName | ResourceType;

/** Its name in logs, errors and metric labels: the short name, or a custom resource's plural ("sprites"). */
export const resourceName = (resource: Resource): string => (typeof resource === "string" ? resource : resource.plural);

const typeOf = (resource: Resource): ResourceType => (typeof resource === "string" ? RESOURCES[resource] : resource);

/** The path of a collection (all namespaces when `namespace` is undefined), an object, or a subresource. */
export const resourcePath = (resource: Resource, namespace?: string, name?: string, subresource?: string): string =>
  pathOf(typeOf(resource), { namespace, name, subresource });

/** Cluster-scoped objects such as StorageClasses. */
export const clusterPath = (resource: Resource, name?: string): string => pathOf(typeOf(resource), { name });
