// A Sprite's children, ensured in the order its decision plans (the order is data, below).
import { childNames, type Sprite, type SpriteStatus } from "./api/index.js";
import type { Decision } from "./decide.js";
import { desiredRole, desiredRoleBinding, desiredService, desiredServiceAccount, desiredStatefulSet } from "./desired-objects.js";
import { ensure, type Ensured } from "./ensure.js";
import { ensureHomeVolume } from "./home-volume.js";
import type { Logger } from "./logger.js";
import { readChild, type ReconcileDeps } from "./reconcile-context.js";
import type { PodView } from "./status.js";

export type Child = "serviceAccount" | "role" | "roleBinding" | "homeVolume" | "statefulSet" | "service";

/**
 * The agent's service account before the StatefulSet: admission refuses a pod whose service account
 * does not exist yet (a FailedCreate that would read as a failure to start). On hibernation the
 * StatefulSet before the home volume: the scale-down is what the user waits for. Otherwise the home
 * volume first: a pod created before its claim exists fails to schedule.
 */
export const CHILD_ORDER: Record<"awake" | "hibernating", readonly Child[]> = {
  awake: ["serviceAccount", "role", "roleBinding", "homeVolume", "statefulSet", "service"],
  hibernating: ["serviceAccount", "role", "roleBinding", "statefulSet", "homeVolume", "service"],
};

export const childOrder = (decision: Pick<Decision, "hibernate">): readonly Child[] => CHILD_ORDER[decision.hibernate ? "hibernating" : "awake"];

export interface EnsuredChildren {
  statefulSet: Ensured;
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
  const { client, cache, config } = deps;
  let statefulSet: Ensured | undefined;
  let storageNote: string | undefined;
  const steps: Record<Child, () => Promise<unknown>> = {
    serviceAccount: () => ensure(client, "serviceaccounts", desiredServiceAccount(sprite), ["automountServiceAccountToken"], cache),
    role: () => ensure(client, "roles", desiredRole(sprite), ["rules"], cache),
    roleBinding: () => ensure(client, "rolebindings", desiredRoleBinding(sprite), ["roleRef", "subjects"], cache),
    homeVolume: async () => (storageNote = await ensureHomeVolume(deps, sprite, log)),
    statefulSet: async () => {
      const homeSetup = await needsHomeSetup(deps, sprite, observed.current, observed.pod);
      statefulSet = await ensure(client, "statefulsets", desiredStatefulSet(sprite, decision.replicas, config, homeSetup), ["spec"], cache);
    },
    service: () => ensure(client, "services", desiredService(sprite), ["spec"], cache),
  };
  for (const child of childOrder(decision)) await steps[child]();
  return { statefulSet: statefulSet!, ...(storageNote ? { storageNote } : {}) };
}

/**
 * Whether the StatefulSet's pods run the home setup containers: until a pod has found the home set
 * up. A pod that exists keeps the template it was made from, since changing it would replace the
 * pod and end the sessions in it: the setup containers go when the next pod is made (at a wake).
 */
async function needsHomeSetup(deps: ReconcileDeps, sprite: Sprite, current: SpriteStatus, pod: PodView): Promise<boolean> {
  if (pod.exists) {
    const namespace = sprite.metadata.namespace ?? "";
    const sts = (await readChild(deps, "statefulsets", namespace, childNames(sprite.metadata.name).statefulSet)) as
      | { spec?: { template?: { spec?: { initContainers?: unknown[] } } } }
      | undefined;
    if (sts) return (sts.spec?.template?.spec?.initContainers?.length ?? 0) > 0;
  }
  return current.homeSetUpAt === undefined && pod.homeSetUp !== true;
}
