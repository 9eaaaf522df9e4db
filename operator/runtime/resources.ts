// The kinds the operator touches, by the short names its code uses; kube/paths spells their URLs.
import { CORE, resourcePath as pathOf } from "../../kube/paths.js";
import { SPRITES } from "../api/index.js";

export const RESOURCES = {
  sprites: SPRITES,
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
} as const;

export type ResourceName = keyof typeof RESOURCES;

/** The path of a collection (all namespaces when `namespace` is undefined), an object, or a subresource. */
export const resourcePath = (resource: ResourceName, namespace?: string, name?: string, subresource?: string): string =>
  pathOf(RESOURCES[resource], { namespace, name, subresource });

/** Cluster-scoped objects such as StorageClasses. */
export const clusterPath = (resource: ResourceName, name?: string): string => pathOf(RESOURCES[resource], { name });
