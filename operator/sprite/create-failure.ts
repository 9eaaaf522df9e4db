// Why a StatefulSet cannot create its Sprite's pod, from its FailedCreate events. Pure.
import type { KubeObject } from "../../kube/client.js";

/**
 * Admission refuses a pod before it exists (Pod Security, ResourceQuota, LimitRange, webhooks), so
 * there is no pod status to read: the StatefulSet controller only records a Warning event on the
 * StatefulSet, reason FailedCreate, and retries with backoff (updating that event's count and time).
 */
export const FAILED_CREATE = "FailedCreate";
/** Server-side filter for the only events the operator reads. */
export const FAILED_CREATE_SELECTOR = `involvedObject.kind=StatefulSet,reason=${FAILED_CREATE}`;

/**
 * The namespace label a hardened cluster needs for Sprites: the agent needs SYS_PTRACE and
 * DAC_READ_SEARCH (see operator/sprite/agent-container.ts), which Pod Security "baseline" forbids.
 */
export const POD_SECURITY_LABEL = "pod-security.kubernetes.io/enforce=privileged";

interface EventFields {
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  lastTimestamp?: string;
  eventTime?: string;
  series?: { lastObservedTime?: string; count?: number };
}

/** When an event last happened: the legacy and the events.k8s.io ways of saying it. */
export function lastSeen(event: KubeObject): number {
  const e = event as KubeObject & EventFields;
  const text = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
  const t = Date.parse(text ?? "");
  return Number.isNaN(t) ? 0 : t;
}

/** The Sprite a FailedCreate event is about: its StatefulSet has the Sprite's name. */
export function eventSpriteKey(event: KubeObject): string | undefined {
  const o = (event as KubeObject & EventFields).involvedObject;
  if (o?.kind !== "StatefulSet" || !o.name) return undefined;
  return `${o.namespace ?? event.metadata.namespace ?? ""}/${o.name}`;
}

/**
 * The latest refusal to create the StatefulSet's pod since `since` (the Sprite's last wake), as a
 * pod failure: events outlive their cause by an hour, so an older one says nothing about this wake.
 * Event times have second resolution, hence the rounding down.
 */
export function createFailure(
  events: readonly KubeObject[],
  statefulSet: string,
  since: Date,
  /** An event as seen when a retry was asked for (eventVersion): what it said then is not news. */
  seenAtRetry?: string,
): { reason: string; message: string } | undefined {
  const sinceMs = Math.floor(since.getTime() / 1000) * 1000;
  const latest = latestFailedCreate(events, statefulSet);
  if (!latest || lastSeen(latest) < sinceMs || eventVersion(latest) === seenAtRetry) return undefined;
  return { reason: FAILED_CREATE, message: explain((latest as KubeObject & EventFields).message ?? "the pod was refused") };
}

export function latestFailedCreate(events: readonly KubeObject[], statefulSet: string): KubeObject | undefined {
  let latest: KubeObject | undefined;
  for (const event of events as (KubeObject & EventFields)[]) {
    if (event.reason !== FAILED_CREATE || event.involvedObject?.kind !== "StatefulSet" || event.involvedObject.name !== statefulSet) continue;
    if (!latest || lastSeen(event) >= lastSeen(latest)) latest = event;
  }
  return latest;
}

/**
 * An event's identity and repetition count: the recorder folds a repeated refusal into one event
 * and counts it, with times in whole seconds — so only the count tells a refusal that came after a
 * retry from one in the same second before it.
 */
export function eventVersion(event: KubeObject): string {
  const e = event as KubeObject & EventFields & { count?: number };
  return `${event.metadata.name}/${e.series?.count ?? e.count ?? 1}`;
}

/** On a StatefulSet: "<wake request> <eventVersion>", the wake request that last asked its
 * controller to retry creating the pod and the refusal as it stood then. */
export const RETRY_ANNOTATION = "puck.sandwich.labs/retried-for-wake";

export function parseRetry(annotation: string | undefined): { wakeRequestedAt: string; seen: string } | undefined {
  const [wakeRequestedAt, seen] = (annotation ?? "").split(" ");
  return wakeRequestedAt && seen ? { wakeRequestedAt, seen } : undefined;
}

/**
 * One line: the admission error without the controller's preamble ("create Pod x-0 in StatefulSet
 * x failed error: "), and for Pod Security the label that lets Sprites run.
 */
export function explain(message: string): string {
  const text = message.replace(/^create Pod \S+ in StatefulSet \S+ failed error: /, "").replace(/\s+/g, " ").trim();
  if (!/PodSecurity/.test(text)) return text;
  return `${text} — the Puck agent needs SYS_PTRACE and DAC_READ_SEARCH to see terminals: label the namespace ${POD_SECURITY_LABEL}`;
}
