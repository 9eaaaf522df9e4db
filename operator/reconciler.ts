// reconcile(key): fetch → handle deletion → observe → decide → ensure each child → write status if changed.
import { CONDITION, DEFAULT_STORAGE_SIZE, FINALIZER, REASON, childNames, type Phase, type Sprite, type SpriteStatus } from "./api/index.js";
import { parseQuantity } from "./compare.js";
import { FAILED_CREATE_SELECTOR, RETRY_ANNOTATION, createFailure, eventVersion, latestFailedCreate, parseRetry } from "./create-failure.js";
import { decide, isNewWakeRequest, type DecideConfig } from "./decide.js";
import {
  desiredPvc,
  desiredRole,
  desiredRoleBinding,
  desiredService,
  desiredServiceAccount,
  desiredStatefulSet,
  type BuildConfig,
} from "./desired-objects.js";
import { findCondition, setCondition } from "./conditions.js";
import { withHomeNode } from "./home-node-check.js";
import { homeVolumeLoss } from "./home-volume-loss.js";
import { diskPressureEvent } from "./disk-pressure.js";
import { ensure, ensureDeleted, type ObjectCache } from "./ensure.js";
import type { EventRecorder } from "./events.js";
import type { KubeClient, KubeList, KubeObject } from "../kube/client.js";
import { isStatus } from "../kube/errors.js";
import type { Logger } from "./logger.js";
import { podView } from "./pod-view.js";
import { clusterPath, resourcePath, type ResourceName } from "./resources.js";
import { desiredOperatorStatus, statusPatch, type PodView, type StatusInput } from "./status.js";

export interface ReconcileDeps {
  client: KubeClient;
  log: Logger;
  events: EventRecorder;
  config: BuildConfig & DecideConfig;
  now: () => Date;
  /** Children as the watches last saw them; without it every read is a GET. */
  cache?: ObjectCache;
}

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

function latest(...times: (string | undefined)[]): Date | undefined {
  const ms = times.map((t) => Date.parse(t ?? "")).filter((t) => !Number.isNaN(t));
  return ms.length === 0 ? undefined : new Date(Math.max(...ms));
}

/** A child from the cache when it can say, else from the API. */
async function readChild(deps: ReconcileDeps, resource: ResourceName, namespace: string, name: string): Promise<KubeObject | undefined> {
  const cached = deps.cache?.get(resource, namespace, name);
  if (cached !== undefined) return cached ?? undefined;
  return getOptional(deps.client, resourcePath(resource, namespace, name));
}

async function getOptional(client: KubeClient, path: string): Promise<KubeObject | undefined> {
  try {
    return await client.request("GET", path);
  } catch (error) {
    if (isStatus(error, 404)) return undefined;
    throw new Error(`get ${path}`, { cause: error });
  }
}

async function reconcileOnce(key: string, deps: ReconcileDeps): Promise<ReconcileResult> {
  const { client, config, events } = deps;
  const [namespace, name] = key.split("/") as [string, string];
  const sprite = (await getOptional(client, resourcePath("sprites", namespace, name))) as Sprite | undefined;
  if (!sprite) return {};
  const log = deps.log.child({ sprite: name, namespace });
  if (sprite.metadata.deletionTimestamp) {
    await handleDeletion(sprite, deps, log);
    return {};
  }
  if (!sprite.metadata.finalizers?.includes(FINALIZER)) {
    const patched = await client.request<Sprite>("PATCH", resourcePath("sprites", namespace, name), {
      body: { metadata: { finalizers: [...(sprite.metadata.finalizers ?? []), FINALIZER], resourceVersion: sprite.metadata.resourceVersion } },
    });
    sprite.metadata = patched.metadata;
  }

  // Observe, then decide.
  const names = childNames(name);
  const now = deps.now();
  let current: SpriteStatus = sprite.status ?? {};
  const podObject = await readChild(deps, "pods", namespace, names.pod);
  let pod = podView(podObject, now, current.activity?.mainStartTime);
  const verdict = decide({ spec: sprite.spec, status: current, podReady: pod.ready }, now, config);
  if (verdict.replicas === 1) pod = await withHomeNode({ get: (path) => getOptional(client, path), cache: deps.cache }, namespace, name, podObject, pod);
  const statusInput = (extra: Partial<StatusInput>): StatusInput => ({
    current,
    generation: sprite.metadata.generation ?? 0,
    phase: verdict.phase,
    reason: verdict.reason,
    message: verdict.message,
    replicas: verdict.replicas,
    podName: names.pod,
    pod,
    activityFresh: verdict.activityFresh,
    ...(verdict.hibernatesAt ? { hibernatesAt: verdict.hibernatesAt } : {}),
    ...(sprite.spec.wakeRequestedAt ? { wakeRequestedAt: sprite.spec.wakeRequestedAt } : {}),
    ...extra,
  });

  if (verdict.hibernate) {
    // Record the decision before acting on it, conditional on the Sprite we read: if a wake was
    // written meanwhile, this fails with 409 and we decide again on the newer Sprite.
    const desired = desiredOperatorStatus(statusInput({ hibernatedAt: iso(now) }), now);
    const updated = await client.request<Sprite>("PATCH", resourcePath("sprites", namespace, name, "status"), {
      body: { metadata: { resourceVersion: sprite.metadata.resourceVersion }, status: statusPatch(current, desired) ?? {} },
    });
    current = updated.status ?? current;
  }
  const wokeAt = verdict.wake ? iso(now) : undefined;

  // A home volume deleted by hand: said before a new one is made (ensurePvc), and only once.
  current = await reportHomeVolumeLoss(deps, sprite, current, now, log);

  // Children. The agent's service account before the StatefulSet: admission refuses a pod whose
  // service account does not exist yet (a FailedCreate that would read as a failure to start).
  const cache = deps.cache;
  await ensure(client, "serviceaccounts", desiredServiceAccount(sprite), ["automountServiceAccountToken"], cache);
  await ensure(client, "roles", desiredRole(sprite), ["rules"], cache);
  await ensure(client, "rolebindings", desiredRoleBinding(sprite), ["roleRef", "subjects"], cache);
  // On hibernation the StatefulSet next: the scale-down is what the user waits for.
  // Otherwise the home volume first: a pod created before its claim exists fails to schedule.
  const homeSetup = await needsHomeSetup(deps, current, pod, namespace, names.statefulSet);
  const ensureStatefulSet = () => ensure(client, "statefulsets", desiredStatefulSet(sprite, verdict.replicas, config, homeSetup), ["spec"], cache);
  let sts: Awaited<ReturnType<typeof ensureStatefulSet>>;
  let storageMessage: string | undefined;
  if (verdict.hibernate) {
    sts = await ensureStatefulSet();
    storageMessage = await ensurePvc(deps, sprite, log);
  } else {
    storageMessage = await ensurePvc(deps, sprite, log);
    sts = await ensureStatefulSet();
  }
  await ensure(client, "services", desiredService(sprite), ["spec"], cache);
  if (verdict.replicas === 1 && !pod.exists && sts.action !== "created") {
    const failing = await createFailureOf(deps, sprite, current, sts, wokeAt);
    if (failing) pod = { ...pod, failing };
  }
  if (sts.action === "created") {
    log.info("Created StatefulSet", { statefulSet: names.statefulSet, replicas: verdict.replicas });
    await events(sprite, "Normal", REASON.created, `Created the StatefulSet ${names.statefulSet} and the home volume ${names.pvc}.`);
  } else if (sts.action === "updated") {
    log.info("Updated StatefulSet", { statefulSet: names.statefulSet, replicas: verdict.replicas, field: sts.difference });
  }
  if (verdict.hibernate) {
    log.info("Scaled StatefulSet to 0", { statefulSet: names.statefulSet, reason: verdict.reason });
    const why = verdict.reason === REASON.hibernateRequested ? "on request" : "after the idle timeout, with a fresh report of no activity";
    await events(sprite, "Normal", REASON.hibernated, `Hibernated ${why}.`);
  }
  if (verdict.wake && current.hibernatedAt) {
    log.info("Scaled StatefulSet to 1", { statefulSet: names.statefulSet, reason: verdict.reason });
    await events(sprite, "Normal", REASON.woke, "Woke on request.");
  }

  // Status, only if the operator's view changed.
  const message = storageMessage ? `${verdict.message} ${storageMessage}` : verdict.message;
  const homeSetUpAt = pod.ready && pod.homeSetUp ? iso(now) : undefined;
  const desired = desiredOperatorStatus(statusInput({ current, message, ...(wokeAt ? { wokeAt } : {}), ...(homeSetUpAt ? { homeSetUpAt } : {}) }), now);
  const patch = statusPatch(current, desired);
  if (patch) {
    await client.request("PATCH", resourcePath("sprites", namespace, name, "status"), { body: { status: patch } });
    if (patch.phase) log.info("Updated Sprite status", { phase: desired.phase, reason: desired.reason });
    // After the write: a conflict retries the reconcile, and the event must not come twice.
    const disk = diskPressureEvent(findCondition(current.conditions, CONDITION.diskPressure), findCondition(desired.conditions, CONDITION.diskPressure));
    if (disk) {
      log.info("Home volume fullness changed", { reason: disk.reason });
      await events(sprite, disk.type, disk.reason, disk.message);
    }
  }
  const recheckAt = earliest(verdict.recheckAt, pod.recheckAt);
  return { ...(recheckAt ? { recheckAt } : {}), phase: verdict.phase };
}

/**
 * Whether the StatefulSet's pods run the home setup containers: until a pod has found the home set
 * up. A pod that exists keeps the template it was made from, since changing it would replace the
 * pod and end the sessions in it: the setup containers go when the next pod is made (at a wake).
 */
async function needsHomeSetup(deps: ReconcileDeps, current: SpriteStatus, pod: PodView, namespace: string, statefulSet: string): Promise<boolean> {
  if (pod.exists) {
    const sts = (await readChild(deps, "statefulsets", namespace, statefulSet)) as { spec?: { template?: { spec?: { initContainers?: unknown[] } } } } | undefined;
    if (sts) return (sts.spec?.template?.spec?.initContainers?.length ?? 0) > 0;
  }
  return current.homeSetUpAt === undefined && pod.homeSetUp !== true;
}

/** Records a home volume claim deleted by hand (condition, then event); returns the status as written. */
async function reportHomeVolumeLoss(deps: ReconcileDeps, sprite: Sprite, current: SpriteStatus, now: Date, log: Logger): Promise<SpriteStatus> {
  const { name } = sprite.metadata;
  const namespace = sprite.metadata.namespace ?? "";
  const claim = childNames(name).pvc;
  const generation = sprite.metadata.generation ?? 0;
  const recorded = findCondition(current.conditions, CONDITION.homeVolumeLost);
  const isNews = (loss: ReturnType<typeof homeVolumeLoss>) => loss !== undefined && (recorded?.status !== "True" || recorded.reason !== loss.reason);
  if (!isNews(homeVolumeLoss(sprite, await readChild(deps, "persistentvolumeclaims", namespace, claim), claim, generation, recorded))) return current;
  // The watch may lag behind a claim made a moment ago: a loss is only believed from a fresh read.
  const loss = homeVolumeLoss(sprite, await getOptional(deps.client, resourcePath("persistentvolumeclaims", namespace, claim)), claim, generation, recorded);
  if (!loss || !isNews(loss)) return current;
  const conditions = setCondition(current.conditions, loss, now);
  // A replaced claim is a new home: the pods made next set it up again.
  const status = { conditions, ...(loss.reason === REASON.homeVolumeLost ? { homeSetUpAt: null } : {}) };
  const updated = await deps.client.request<Sprite>("PATCH", resourcePath("sprites", namespace, name, "status"), { body: { status } });
  log.warn("Lost the home volume claim", { pvc: claim, reason: loss.reason });
  await deps.events(sprite, "Warning", loss.reason, loss.message ?? "");
  return updated.status ?? current;
}

/**
 * Why the StatefulSet's pod does not exist, when admission refused it since the last wake. A wake
 * request on an awake Sprite whose pod was refused asks to try again (the user may have fixed the
 * cause): the StatefulSet controller retries at once on any change to its object, where otherwise
 * its backoff could keep the user waiting for minutes. The refusal as it stood then is not news.
 */
async function createFailureOf(
  deps: ReconcileDeps,
  sprite: Sprite,
  current: SpriteStatus,
  sts: { object: KubeObject; action: string },
  wokeAt: string | undefined,
): Promise<{ reason: string; message: string } | undefined> {
  const namespace = sprite.metadata.namespace ?? "";
  const name = childNames(sprite.metadata.name).statefulSet;
  const events = await failedCreates(deps, namespace, name);
  let retry = parseRetry(sts.object.metadata.annotations?.[RETRY_ANNOTATION]);
  const wakeRequestedAt = sprite.spec.wakeRequestedAt;
  if (wakeRequestedAt && sts.action === "unchanged" && isNewWakeRequest(sprite.spec, current) && retry?.wakeRequestedAt !== wakeRequestedAt) {
    const latestEvent = latestFailedCreate(events, name);
    retry = { wakeRequestedAt, seen: latestEvent ? eventVersion(latestEvent) : "none" };
    await deps.client.request("PATCH", resourcePath("statefulsets", namespace, name), {
      body: { metadata: { annotations: { [RETRY_ANNOTATION]: `${retry.wakeRequestedAt} ${retry.seen}` } } },
    });
  }
  // Refusals older than the last wake, or the last wake request, say nothing about this attempt.
  const since = latest(wokeAt ?? current.wokeAt, wakeRequestedAt);
  if (!since) return undefined;
  return createFailure(events, name, since, retry?.wakeRequestedAt === wakeRequestedAt ? retry?.seen : undefined);
}

/** The StatefulSet's FailedCreate events: from the operator's watch, else from the API. */
async function failedCreates(deps: ReconcileDeps, namespace: string, statefulSet: string): Promise<KubeObject[]> {
  const cached = deps.cache?.failedCreates?.(namespace, statefulSet);
  if (cached) return cached;
  const list = await deps.client.request<KubeList>("GET", resourcePath("events", namespace), {
    query: { fieldSelector: `${FAILED_CREATE_SELECTOR},involvedObject.name=${statefulSet}` },
  });
  return list.items;
}

/** Creates the home volume, or grows it; returns a message when it cannot grow. */
async function ensurePvc(deps: ReconcileDeps, sprite: Sprite, log: Logger): Promise<string | undefined> {
  const client = deps.client;
  const desired = desiredPvc(sprite);
  const { name } = desired.metadata;
  const namespace = desired.metadata.namespace ?? "";
  const path = resourcePath("persistentvolumeclaims", namespace, name);
  let pvc = await readChild(deps, "persistentvolumeclaims", namespace, name);
  if (!pvc) {
    try {
      await client.request("POST", resourcePath("persistentvolumeclaims", namespace), { body: desired });
      log.info("Created PersistentVolumeClaim", { pvc: name });
      return undefined;
    } catch (error) {
      // A retained volume without our labels (or a stale cache): use the one that is there.
      if (!isStatus(error, 409)) throw new Error(`create PersistentVolumeClaim ${namespace}/${name}`, { cause: error });
      pvc = await getOptional(client, path);
      if (!pvc) throw new Error(`PersistentVolumeClaim ${namespace}/${name} was there a moment ago and is gone now`, { cause: error });
    }
  }
  if (pvc.metadata.deletionTimestamp) {
    // A purged volume of an earlier Sprite with this name is still going: wait for it (retried with backoff).
    throw new Error(`PersistentVolumeClaim ${namespace}/${name} is still being deleted`);
  }
  const labels = desired.metadata.labels;
  if (Object.entries(labels).some(([k, v]) => pvc.metadata.labels?.[k] !== v)) {
    await client.request("PATCH", path, { body: { metadata: { labels } } });
  }
  const spec = pvc.spec as { storageClassName?: string; resources?: { requests?: { storage?: string } } };
  const want = String(sprite.spec.storageSize ?? DEFAULT_STORAGE_SIZE);
  const have = spec.resources?.requests?.storage;
  if ((parseQuantity(want) ?? 0) <= (parseQuantity(have) ?? 0)) return undefined;
  const className = spec.storageClassName;
  const storageClass = className ? await getOptional(client, clusterPath("storageclasses", className)) : undefined;
  if (storageClass?.allowVolumeExpansion !== true) {
    return `The home volume stays at ${have}: StorageClass ${className ?? "(none)"} does not allow volume expansion to ${want}.`;
  }
  await client.request("PATCH", path, { body: { spec: { resources: { requests: { storage: want } } } } });
  log.info("Expanded PersistentVolumeClaim", { pvc: name, from: have, to: want });
  return undefined;
}

async function handleDeletion(sprite: Sprite, deps: ReconcileDeps, log: Logger): Promise<void> {
  const { client, events } = deps;
  const { name } = sprite.metadata;
  const namespace = sprite.metadata.namespace!;
  if (!sprite.metadata.finalizers?.includes(FINALIZER)) return;
  const names = childNames(name);
  const current = sprite.status ?? {};
  const now = deps.now();
  const desired = desiredOperatorStatus(
    {
      current,
      generation: sprite.metadata.generation ?? 0,
      phase: "Terminating",
      reason: REASON.terminating,
      message: "Deleting the Sprite.",
      replicas: 0,
      podName: names.pod,
      pod: { exists: false, ready: false },
      activityFresh: { status: "False", reason: REASON.agentNotReporting, message: "The Sprite is being deleted." },
      terminating: true,
    },
    now,
  );
  const patch = statusPatch(current, desired);
  let resourceVersion = sprite.metadata.resourceVersion;
  if (patch) {
    const updated = await client.request<Sprite>("PATCH", resourcePath("sprites", namespace, name, "status"), { body: { status: patch } });
    resourceVersion = updated.metadata.resourceVersion;
  }

  await ensureDeleted(client, "statefulsets", namespace, names.statefulSet);
  await ensureDeleted(client, "services", namespace, names.service);
  await ensureDeleted(client, "rolebindings", namespace, names.roleBinding);
  await ensureDeleted(client, "roles", namespace, names.role);
  await ensureDeleted(client, "serviceaccounts", namespace, names.serviceAccount);
  if (sprite.spec.purgeStorageOnDelete) {
    await ensureDeleted(client, "persistentvolumeclaims", namespace, names.pvc);
    log.info("Deleted PersistentVolumeClaim", { pvc: names.pvc });
    await events(sprite, "Normal", REASON.storagePurged, `Deleted the home volume ${names.pvc}.`);
  } else {
    await events(sprite, "Normal", REASON.storageRetained, `Kept the home volume ${names.pvc}; a new Sprite named ${name} re-attaches it.`);
  }
  await events(sprite, "Normal", REASON.deleted, "Deleted the Sprite's StatefulSet, Service and agent RBAC.");
  await client.request("PATCH", resourcePath("sprites", namespace, name), {
    body: { metadata: { finalizers: sprite.metadata.finalizers.filter((f) => f !== FINALIZER), resourceVersion } },
  });
  log.info("Deleted Sprite", { purged: sprite.spec.purgeStorageOnDelete === true });
}

function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}
