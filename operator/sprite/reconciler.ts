// reconcile(key): fetch → deletion → observe → decide → ensure the children in their planned order → status.
import { CONDITION, REASON, SPRITES, childNames, storageSize, type Phase, type Sprite, type SpriteStatus } from "../api/index.js";
import { parseQuantity } from "../../kube/quantity.js";
import { ensureChildren, type EnsuredChildren } from "./children.js";
import { findCondition } from "./conditions.js";
import { decide, type Decision } from "./decide.js";
import { withHomeNode } from "./home-node-check.js";
import { diskPressureEvent } from "./disk-pressure.js";
import { readObject } from "../runtime/ensure.js";
import { ensureFinalizer, finalize } from "./finalize.js";
import { reportHomeVolumeLoss } from "./home-volume.js";
import { isStatus } from "../../kube/errors.js";
import type { Logger } from "../runtime/logger.js";
import { createFailureOf } from "./observe-create-failure.js";
import { podView } from "./pod-view.js";
import { readChild, type ReconcileDeps } from "./reconcile-context.js";
import { resourcePath } from "../runtime/resources.js";
import { httpStatus } from "./http-urls.js";
import { desiredOperatorStatus, operatorStatusChanges, type StatusInput } from "./status.js";

export type { ReconcileDeps } from "./reconcile-context.js";

export interface ReconcileResult {
  recheckAt?: Date;
  phase?: Phase;
}

/** Whether an error, or any error it wraps, is an API error with this HTTP status. */
export function causedByStatus(error: unknown, status: number): boolean {
  for (let e: unknown = error; e !== undefined; e = e instanceof Error ? e.cause : undefined) {
    if (isStatus(e, status)) return true;
    if (!(e instanceof Error)) break;
  }
  return false;
}

/** Retries a conflicted reconcile from a fresh read: a CLI wake written meanwhile then wins. */
export async function reconcile(key: string, deps: ReconcileDeps): Promise<ReconcileResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await reconcileOnce(key, deps);
    } catch (error) {
      if (!causedByStatus(error, 409) || attempt >= 5) throw error;
      deps.log.debug("Retried a reconcile after a conflict", { key, attempt });
    }
  }
}

const iso = (d: Date) => d.toISOString();

async function reconcileOnce(key: string, deps: ReconcileDeps): Promise<ReconcileResult> {
  const [namespace, name] = key.split("/") as [string, string];
  const sprite = (await readObject(deps.client, resourcePath(SPRITES, namespace, name))) as Sprite | undefined;
  if (!sprite) return {};
  const log = deps.log.child({ sprite: name, namespace });
  if (sprite.metadata.deletionTimestamp) {
    await finalize(sprite, deps, log);
    return {};
  }
  await ensureFinalizer(sprite, deps);

  const now = deps.now();
  let current: SpriteStatus = sprite.status ?? {};
  const podObject = await readChild(deps, "pods", namespace, childNames(name).pod);
  let pod = podView(podObject, now, current.activity?.mainStartTime);
  const decision = decide({ spec: sprite.spec, status: current, podReady: pod.ready }, now, deps.config);
  // Awake or asleep, a Sprite whose node is down says so: asleep, it could not wake until the node is back.
  pod = await withHomeNode({ get: (path) => readObject(deps.client, path), cache: deps.cache }, namespace, name, podObject, pod);
  const http = httpStatus(sprite.spec.http, name, namespace, deps.config.urls);
  const sizeBytes = parseQuantity(storageSize(sprite.spec));
  const statusInput = (extra: Partial<StatusInput>): StatusInput => ({
    current,
    generation: sprite.metadata.generation ?? 0,
    decision,
    podName: childNames(name).pod,
    pod,
    ...(sprite.spec.wakeRequestedAt ? { wakeRequestedAt: sprite.spec.wakeRequestedAt } : {}),
    ...(http ? { http } : {}),
    ...(sizeBytes !== undefined ? { storageSizeBytes: sizeBytes } : {}),
    ...extra,
  });
  if (decision.hibernate) current = await recordHibernation(deps, sprite, desiredOperatorStatus(statusInput({ hibernatedAt: iso(now) }), now));
  const wokeAt = decision.wake ? iso(now) : undefined;
  // A home volume deleted by hand: said before a new one is made (ensureChildren), and only once.
  current = await reportHomeVolumeLoss(deps, sprite, current, now, log);

  const children = await ensureChildren(deps, sprite, decision, { current, pod }, log);
  if (decision.replicas === 1 && !pod.exists && children.statefulSet.action !== "created") {
    const failing = await createFailureOf(deps, sprite, current, children.statefulSet, wokeAt);
    if (failing) pod = { ...pod, failing };
  }
  await announce(deps, sprite, decision, children, current, log);

  const homeSetUpAt = pod.ready && pod.homeSetUp ? iso(now) : undefined;
  // What the pod's volume setup found and did (its layout, system, earlier systems), once it is up.
  const volume = pod.ready ? pod.volume : undefined;
  const note = children.storageNote;
  const final = statusInput({
    current,
    pod,
    rollout: children.rollout,
    ...(note ? { note } : {}),
    ...(wokeAt ? { wokeAt } : {}),
    ...(homeSetUpAt ? { homeSetUpAt } : {}),
    ...(volume ? { volume } : {}),
  });
  await writeStatus(deps, sprite, current, desiredOperatorStatus(final, now), log);
  const restartsAt = children.rollout.action === "hold" ? children.rollout.restartsAt : undefined;
  const recheckAt = earliest(earliest(decision.recheckAt, pod.recheckAt), restartsAt);
  return { ...(recheckAt ? { recheckAt } : {}), phase: decision.phase };
}

/**
 * Records the hibernation before acting on it, conditional on the Sprite we read: if a wake was
 * written meanwhile, this fails with 409 and the reconcile decides again on the newer Sprite.
 */
async function recordHibernation(deps: ReconcileDeps, sprite: Sprite, desired: ReturnType<typeof desiredOperatorStatus>): Promise<SpriteStatus> {
  const current = sprite.status ?? {};
  const updated = await deps.client.request<Sprite>("PATCH", resourcePath(SPRITES, sprite.metadata.namespace, sprite.metadata.name, "status"), {
    body: { metadata: { resourceVersion: sprite.metadata.resourceVersion }, status: operatorStatusChanges(current, desired) ?? {} },
  });
  return updated.status ?? current;
}

/** Logs and records as Events what the children's changes mean to the user. */
async function announce(deps: ReconcileDeps, sprite: Sprite, decision: Decision, children: EnsuredChildren, current: SpriteStatus, log: Logger): Promise<void> {
  const { events } = deps;
  const names = childNames(sprite.metadata.name);
  const sts = children.statefulSet;
  if (sts.action === "created") {
    log.info("Created StatefulSet", { statefulSet: names.statefulSet, replicas: decision.replicas });
    await events(sprite, "Normal", REASON.created, `Created the StatefulSet ${names.statefulSet} and the home volume ${names.pvc}.`);
  } else if (sts.action === "updated") {
    log.info("Updated StatefulSet", { statefulSet: names.statefulSet, replicas: decision.replicas, field: sts.difference });
  }
  if (decision.hibernate) {
    log.info("Scaled StatefulSet to 0", { statefulSet: names.statefulSet, reason: decision.reason });
    const why = decision.reason === REASON.hibernateRequested ? "on request" : "after the idle timeout, with a fresh report of no activity";
    await events(sprite, "Normal", REASON.hibernated, `Hibernated ${why}.`);
  }
  if (decision.wake && current.hibernatedAt) {
    log.info("Scaled StatefulSet to 1", { statefulSet: names.statefulSet, reason: decision.reason });
    await events(sprite, "Normal", REASON.woke, "Woke on request.");
  }
}

/** Writes the operator's status fields only if they changed; then the disk-pressure event, once. */
async function writeStatus(deps: ReconcileDeps, sprite: Sprite, current: SpriteStatus, desired: ReturnType<typeof desiredOperatorStatus>, log: Logger): Promise<void> {
  const patch = operatorStatusChanges(current, desired);
  if (!patch) return;
  await deps.client.request("PATCH", resourcePath(SPRITES, sprite.metadata.namespace, sprite.metadata.name, "status"), { body: { status: patch } });
  if (patch.phase) log.info("Updated Sprite status", { phase: desired.phase, reason: desired.reason });
  // After the write: a conflict retries the reconcile, and the event must not come twice.
  const disk = diskPressureEvent(findCondition(current.conditions, CONDITION.diskPressure), findCondition(desired.conditions, CONDITION.diskPressure));
  if (disk) {
    log.info("Home volume fullness changed", { reason: disk.reason });
    await deps.events(sprite, disk.type, disk.reason, disk.message);
  }
}

function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}
