// Pure builders of the objects a Sprite is made of: PVC, StatefulSet, Service and the agent's RBAC.
import {
  API_VERSION,
  DEFAULT_REQUESTS,
  GROUP,
  HOME_DIR,
  KIND,
  LABELS,
  MAIN_CONTAINER,
  PLURAL,
  childNames,
  storageSize,
  type Sprite,
} from "../api/index.js";
import { agentContainer, agentTokenVolume } from "./agent-container.js";
import { HOME_VOLUME, mainVolumeMounts } from "./volume-layout.js";
import { homeInitVolume, volumeInitContainers } from "./volume-setup.js";
import type { VolumeSetup } from "./volume-state.js";
import { SERVICES_PATHS, servicesScript } from "./services-script.js";
import { servicesConfigMapName, servicesData, servicesMount, servicesVolume } from "./services-config.js";

export interface BuildConfig {
  agentImage: string;
}

export const MANAGED_BY = "puck-operator";
/** Selects every object the operator made, for its watches. */
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY}`;

/**
 * The pod's grace after SIGTERM: a bound, not a wait. The main container's first process, the
 * services' supervisor (operator/sprite/services-script.ts), exits as soon as the services have stopped, at
 * once when there are none; fixed so that declaring a service never changes the pod template (which
 * would restart the Sprite). Each service's own grace is at most MAX_SERVICE_GRACE_SECONDS.
 */
export const POD_GRACE_SECONDS = 300;

export function spriteLabels(name: string, component: string): Record<string, string> {
  return {
    [LABELS.sprite]: name,
    [LABELS.name]: "puck-sprite",
    [LABELS.instance]: name,
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.component]: component,
  };
}

/** Selects the Sprite's pod: its StatefulSet, headless Service and NetworkPolicy. */
export const selectorLabels = (name: string) => ({ [LABELS.sprite]: name, [LABELS.component]: "sprite" });

function ownerReference(sprite: Sprite) {
  return { apiVersion: API_VERSION, kind: KIND, name: sprite.metadata.name, uid: sprite.metadata.uid ?? "", controller: true };
}

/** A child's metadata: its name, the Sprite's labels, and (when owned) the Sprite as its controller. */
export const childMeta = (sprite: Sprite, name: string, component: string, owned = true) => ({
  name,
  namespace: sprite.metadata.namespace,
  labels: spriteLabels(sprite.metadata.name, component),
  ...(owned ? { ownerReferences: [ownerReference(sprite)] } : {}),
});

/** The home volume: deliberately not owned by anything, so it outlives the Sprite unless purged. */
export function desiredPvc(sprite: Sprite) {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: childMeta(sprite, childNames(sprite.metadata.name).pvc, "home", false),
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: storageSize(sprite.spec) } },
      ...(sprite.spec.storageClassName ? { storageClassName: sprite.spec.storageClassName } : {}),
    },
  };
}

/**
 * `setup`: whether its pods run the init containers that set the volume up (its layout, the system's
 * seed, a new home) and what they do. Once a pod has set the volume up they are left out of pods made
 * later (at the next wake), which then start two containers sooner; a template change never replaces
 * a running pod for it (the reconciler decides when).
 */
export function desiredStatefulSet(sprite: Sprite, replicas: 0 | 1, config: BuildConfig, setup: VolumeSetup = { needed: true }, linkedDirs: readonly string[] = []) {
  const homeSetup = setup.needed;
  const name = sprite.metadata.name;
  const names = childNames(name);
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: childMeta(sprite, names.statefulSet, "sprite"),
    spec: {
      replicas,
      serviceName: names.service,
      podManagementPolicy: "Parallel",
      selector: { matchLabels: selectorLabels(name) },
      updateStrategy: { type: "RollingUpdate" },
      template: {
        metadata: {
          labels: spriteLabels(name, "sprite"),
          annotations: { "kubectl.kubernetes.io/default-container": MAIN_CONTAINER },
        },
        spec: {
          shareProcessNamespace: true,
          enableServiceLinks: false,
          // Only the agent gets a token (its own projected volume); the user's shell gets none.
          automountServiceAccountToken: false,
          serviceAccountName: names.serviceAccount,
          terminationGracePeriodSeconds: POD_GRACE_SECONDS,
          ...placement(sprite.spec),
          // Before anything else: the volume's layout, the system's seed, a home that belongs to the user
          // the shell runs as (operator/sprite/volume-setup.ts). Empty rather than absent: ensure() changes
          // only what the desired object names.
          initContainers: homeSetup ? volumeInitContainers(sprite, setup.pruneSystems ? { pruneSystems: setup.pruneSystems } : {}) : [],
          // No probes on purpose: Ready means the containers started, so a wake is as fast as a start.
          // No tty either (false is the default, and the server drops it, so naming it would never match).
          containers: [
            {
              name: MAIN_CONTAINER,
              image: sprite.spec.image,
              imagePullPolicy: "IfNotPresent",
              // The services' supervisor; with no services it sleeps, and exits at once on TERM.
              command: ["/bin/sh", "-c", servicesScript()],
              // SPRITE_NAME: the name a person knows the machine by; the default image's prompt shows it
              // (the host name is NAME-0: docs/using.md says why).
              env: [
                { name: "HOME", value: HOME_DIR },
                { name: "SPRITE_NAME", value: name },
              ],
              workingDir: HOME_DIR,
              // The machine's disk: its system's folders and the home, from the one volume (operator/sprite/volume-layout.ts).
              // And spec.services, read live by the supervisor.
              volumeMounts: [...mainVolumeMounts(sprite.spec, linkedDirs), servicesMount(SERVICES_PATHS.spec)],
              resources: mainResources(sprite.spec.resources),
            },
            agentContainer(name, config.agentImage),
          ],
          volumes: [
            { name: HOME_VOLUME, persistentVolumeClaim: { claimName: names.pvc } },
            agentTokenVolume(),
            servicesVolume(name),
            ...(homeSetup ? [homeInitVolume()] : []),
          ],
        },
      },
    },
  };
}

/** Where the pod may run, as the Sprite asks: absent fields stay absent (ensure() compares what is named). */
export function placement(spec: Sprite["spec"]) {
  return {
    ...(spec.nodeSelector && Object.keys(spec.nodeSelector).length > 0 ? { nodeSelector: spec.nodeSelector } : {}),
    ...(spec.tolerations && spec.tolerations.length > 0 ? { tolerations: spec.tolerations } : {}),
  };
}

/**
 * The Sprite's resources, with the default request for each resource it says nothing about. A
 * resource with only a limit gets no default request: Kubernetes then requests the limit, and a
 * default above it would make the pod invalid.
 */
export function mainResources(resources: Sprite["spec"]["resources"]) {
  const requests = { ...resources?.requests };
  for (const [name, value] of Object.entries(DEFAULT_REQUESTS)) {
    if (requests[name] === undefined && resources?.limits?.[name] === undefined) requests[name] = value;
  }
  // An empty map would read back as absent, and look like a difference on every reconcile.
  return Object.keys(requests).length === 0 ? { ...resources } : { ...resources, requests };
}

/** spec.services for the supervisor: updated in place, so a change reaches a running Sprite without a restart. */
export function desiredServicesConfigMap(sprite: Sprite) {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: childMeta(sprite, servicesConfigMapName(sprite.metadata.name), "services"),
    data: servicesData(sprite.spec.services),
  };
}

export function desiredService(sprite: Sprite) {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: childMeta(sprite, childNames(sprite.metadata.name).service, "sprite"),
    spec: { clusterIP: "None", selector: selectorLabels(sprite.metadata.name), publishNotReadyAddresses: true },
  };
}

export function desiredServiceAccount(sprite: Sprite) {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: childMeta(sprite, childNames(sprite.metadata.name).serviceAccount, "agent"),
    automountServiceAccountToken: false,
  };
}

/** The agent may read its own Sprite and patch its own Sprite's status: nothing else. */
export function desiredRole(sprite: Sprite) {
  const name = sprite.metadata.name;
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: childMeta(sprite, childNames(name).role, "agent"),
    rules: [
      { apiGroups: [GROUP], resources: [PLURAL], resourceNames: [name], verbs: ["get", "list", "watch"] },
      { apiGroups: [GROUP], resources: [`${PLURAL}/status`], resourceNames: [name], verbs: ["patch"] },
    ],
  };
}

export function desiredRoleBinding(sprite: Sprite) {
  const names = childNames(sprite.metadata.name);
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: childMeta(sprite, names.roleBinding, "agent"),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: names.role },
    subjects: [{ kind: "ServiceAccount", name: names.serviceAccount, namespace: sprite.metadata.namespace }],
  };
}
