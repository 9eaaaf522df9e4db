// A Sprite's children, ensured in the order its decision plans (the order is data, below).
import { IDLE_TIMEOUT_MINUTES, childNames, warningLeadMs, type Sprite, type SpriteStatus } from "../api/index.js";
import { firstDifference } from "../runtime/compare.js";
import type { Decision } from "./decide.js";
import { desiredRole, desiredRoleBinding, desiredService, desiredServiceAccount, desiredServicesConfigMap } from "./desired-objects.js";
import { replaceData } from "./services-config.js";
import { ensure, type Ensured } from "../runtime/ensure.js";
import { ensureHomeVolume } from "./home-volume.js";
import { networkFacts } from "./network-facts.js";
import { desiredNetworkPolicy, networkPolicyCopier } from "./network-policy.js";
import type { Logger } from "../runtime/logger.js";
import { readChild, type ReconcileDeps } from "./reconcile-context.js";
import { rollout, type Rollout } from "./rollout.js";
import type { PodView } from "./status.js";
import { desiredWithVolumeSetup } from "./volume-template.js";
import { RESTARTS_AT_ANNOTATION, hashAnnotations, liveHashes, scheduledRestart, templateHashes } from "./template-hash.js";

export type Child = "serviceAccount" | "role" | "roleBinding" | "networkPolicy" | "servicesConfig" | "homeVolume" | "statefulSet" | "service";

/**
 * The agent's service account before the StatefulSet: admission refuses a pod whose service account
 * does not exist yet (a FailedCreate that would read as a failure to start). On hibernation the
 * StatefulSet before the home volume: the scale-down is what the user waits for. Otherwise the home
 * volume first: a pod created before its claim exists fails to schedule. The NetworkPolicy before
 * the pod: a Sprite's pod never runs without its boundary.
 */
export const CHILD_ORDER: Record<"awake" | "hibernating", readonly Child[]> = {
  awake: ["serviceAccount", "role", "roleBinding", "networkPolicy", "servicesConfig", "homeVolume", "statefulSet", "service"],
  hibernating: ["serviceAccount", "role", "roleBinding", "networkPolicy", "statefulSet", "servicesConfig", "homeVolume", "service"],
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
    networkPolicy: () => ensureNetworkPolicy(deps, sprite),
    servicesConfig: () => ensure(client, "configmaps", desiredServicesConfigMap(sprite), replaceData, cache),
    homeVolume: async () => (storageNote = await ensureHomeVolume(deps, sprite, log)),
    statefulSet: async () => (statefulSet = await ensureStatefulSet(deps, sprite, decision, observed)),
    service: () => ensure(client, "services", desiredService(sprite), ["spec"], cache),
  };
  for (const child of childOrder(decision)) await steps[child]();
  return { statefulSet: statefulSet!.ensured, rollout: statefulSet!.rollout, ...(storageNote ? { storageNote } : {}) };
}

/** The Sprite's NetworkPolicy; an allowance it could not honour is said in a Warning event. */
async function ensureNetworkPolicy(deps: ReconcileDeps, sprite: Sprite): Promise<void> {
  const facts = await networkFacts(deps.client, sprite, { nodes: deps.cache?.nodes?.(), sprites: deps.cache?.sprites?.() }, deps.now().getTime());
  const { policy, unresolved } = desiredNetworkPolicy(sprite, facts);
  await ensure(deps.client, "networkpolicies", policy, networkPolicyCopier, deps.cache);
  if (unresolved.length > 0) await deps.events(sprite, "Warning", "NetworkAllowSkipped", `spec.network.allow: ${unresolved.join("; ")}`);
}

type StatefulSetShape = { metadata: { annotations?: Record<string, string> }; spec?: { template?: unknown } };

/**
 * The StatefulSet with the replicas decided, and with the desired pod template only when rollout()
 * lets it replace the pod now; otherwise with the template it has (a changed template would
 * replace the pod at once). Its annotations hash the template it was given and keep the time of a
 * warned restart (operator/sprite/template-hash.ts).
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
