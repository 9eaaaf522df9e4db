// A Sprite's children, ensured in the order its decision plans (the order is data, below).
import { IDLE_TIMEOUT_MINUTES, childNames, warningLeadMs, type Sprite, type SpriteStatus } from "./api/index.js";
import { firstDifference } from "./compare.js";
import type { Decision } from "./decide.js";
import { desiredRole, desiredRoleBinding, desiredService, desiredServiceAccount, desiredServicesConfigMap, desiredStatefulSet } from "./desired-objects.js";
import { replaceData } from "./services-config.js";
import { ensure, type Ensured } from "./ensure.js";
import { ensureHomeVolume } from "./home-volume.js";
import type { Logger } from "./logger.js";
import { readChild, type ReconcileDeps } from "./reconcile-context.js";
import { rollout, type Rollout } from "./rollout.js";
import type { PodView } from "./status.js";
import { volumeSetup, type VolumeSetup } from "./volume-state.js";
import type { BuildConfig } from "./desired-objects.js";
import { RESTARTS_AT_ANNOTATION, hashAnnotations, liveHashes, scheduledRestart, templateHashes } from "./template-hash.js";

export type Child = "serviceAccount" | "role" | "roleBinding" | "servicesConfig" | "homeVolume" | "statefulSet" | "service";

/**
 * The agent's service account before the StatefulSet: admission refuses a pod whose service account
 * does not exist yet (a FailedCreate that would read as a failure to start). On hibernation the
 * StatefulSet before the home volume: the scale-down is what the user waits for. Otherwise the home
 * volume first: a pod created before its claim exists fails to schedule.
 */
export const CHILD_ORDER: Record<"awake" | "hibernating", readonly Child[]> = {
  awake: ["serviceAccount", "role", "roleBinding", "servicesConfig", "homeVolume", "statefulSet", "service"],
  hibernating: ["serviceAccount", "role", "roleBinding", "statefulSet", "servicesConfig", "homeVolume", "service"],
};

export const childOrder = (decision: Pick<Decision, "hibernate">): readonly Child[] => CHILD_ORDER[decision.hibernate ? "hibernating" : "awake"];

export interface EnsuredChildren {
  statefulSet: Ensured;
  /** Whether the StatefulSet took the desired pod template, or why it still has the old one. */
  rollout: Rollout;
  /** Why the home volume could not grow, if it could not. */
  storageNote?: string;
}

/** Ensures every child of the Sprite in its planned order. */
export async function ensureChildren(
  deps: ReconcileDeps,
  sprite: Sprite,
  decision: Decision,
  observed: { current: SpriteStatus; pod: PodView },
  log: Logger,
): Promise<EnsuredChildren> {
  const { client, cache } = deps;
  let statefulSet: { ensured: Ensured; rollout: Rollout } | undefined;
  let storageNote: string | undefined;
  const steps: Record<Child, () => Promise<unknown>> = {
    serviceAccount: () => ensure(client, "serviceaccounts", desiredServiceAccount(sprite), ["automountServiceAccountToken"], cache),
    role: () => ensure(client, "roles", desiredRole(sprite), ["rules"], cache),
    roleBinding: () => ensure(client, "rolebindings", desiredRoleBinding(sprite), ["roleRef", "subjects"], cache),
    servicesConfig: () => ensure(client, "configmaps", desiredServicesConfigMap(sprite), replaceData, cache),
    homeVolume: async () => (storageNote = await ensureHomeVolume(deps, sprite, log)),
    statefulSet: async () => (statefulSet = await ensureStatefulSet(deps, sprite, decision, observed)),
    service: () => ensure(client, "services", desiredService(sprite), ["spec"], cache),
  };
  for (const child of childOrder(decision)) await steps[child]();
  return { statefulSet: statefulSet!.ensured, rollout: statefulSet!.rollout, ...(storageNote ? { storageNote } : {}) };
}

type StatefulSetShape = { metadata: { annotations?: Record<string, string> }; spec?: { template?: unknown } };

/**
 * The StatefulSet with the replicas decided, and with the desired pod template only when rollout()
 * lets it replace the pod now; otherwise with the template it has (a changed template would
 * replace the pod at once). Its annotations hash the template it was given and keep the time of a
 * warned restart (operator/template-hash.ts).
 */
async function ensureStatefulSet(
  deps: ReconcileDeps,
  sprite: Sprite,
  decision: Decision,
  observed: { current: SpriteStatus; pod: PodView },
): Promise<{ ensured: Ensured; rollout: Rollout }> {
  const namespace = sprite.metadata.namespace ?? "";
  const live = (await readChild(deps, "statefulsets", namespace, childNames(sprite.metadata.name).statefulSet)) as StatefulSetShape | undefined;
  const desired = desiredWithVolumeSetup(live, sprite, decision.replicas, deps.config, observed);
  const hashes = templateHashes(sprite.spec, desired.spec.template);
  const restartsAt = scheduledRestart(live?.metadata.annotations);
  const plan = rollout({
    ...(live ? { live: liveHashes(live.metadata.annotations) } : {}),
    desired: hashes,
    templateMatches: firstDifference(desired.spec.template, live?.spec?.template) === undefined,
    replicas: decision.replicas,
    podReady: observed.pod.ready,
    idle: decision.idle,
    ...(restartsAt ? { restartsAt } : {}),
    now: deps.now(),
    // The hibernation warning's lead (the agent's), scaled as the idle timeout is in tests.
    warnMs: warningLeadMs(sprite.spec.idleTimeoutMinutes ?? IDLE_TIMEOUT_MINUTES.default) * deps.config.idleTimeoutScale,
  });
  const annotations =
    plan.action === "apply"
      ? { ...hashAnnotations(hashes), ...(restartsAt ? { [RESTARTS_AT_ANNOTATION]: "" } : {}) }
      : plan.restartsAt
        ? { [RESTARTS_AT_ANNOTATION]: plan.restartsAt.toISOString() }
        : {};
  const template = plan.action === "apply" ? desired.spec.template : (live!.spec!.template as typeof desired.spec.template);
  const object = { ...desired, metadata: { ...desired.metadata, annotations }, spec: { ...desired.spec, template } };
  return { ensured: await ensure(deps.client, "statefulsets", object, ["spec"], deps.cache), rollout: plan };
}

/**
 * The desired StatefulSet, its pods running the volume-setup containers when the volume needs them
 * (operator/volume-state.ts). A pod that exists keeps the template it was made from when nothing else
 * changed, since changing it would replace the pod and end the sessions in it: containers no longer
 * needed go when the next pod is made (at a wake). When the template changes anyway (a new image, an
 * upgrade of Puck), the pod it makes gets whatever setup the volume needs then.
 */
function desiredWithVolumeSetup(live: StatefulSetShape | undefined, sprite: Sprite, replicas: 0 | 1, config: BuildConfig, observed: { current: SpriteStatus; pod: PodView }) {
  const { current, pod } = observed;
  const status = { ...current, ...(pod.volume ? { volume: pod.volume } : {}), ...(pod.homeSetUp ? { homeSetUpAt: current.homeSetUpAt ?? "now" } : {}) };
  const needed = desiredStatefulSet(sprite, replicas, config, volumeSetup(sprite.spec, status));
  if (!pod.exists || !live) return needed;
  const template = live.spec?.template as { spec?: { initContainers?: { env?: { name: string; value?: string }[] }[] } } | undefined;
  const containers = template?.spec?.initContainers ?? [];
  const prune = containers.flatMap((c) => c.env ?? []).find((e) => e.name === "PUCK_PRUNE_SYSTEMS")?.value;
  const asLive: VolumeSetup = containers.length > 0 ? { needed: true, ...(prune ? { pruneSystems: prune } : {}) } : { needed: false };
  const kept = desiredStatefulSet(sprite, replicas, config, asLive);
  return firstDifference(kept.spec.template, live.spec?.template) === undefined ? kept : needed;
}
