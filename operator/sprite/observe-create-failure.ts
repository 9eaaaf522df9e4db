// Why a Sprite's pod does not exist: admission's refusals (FailedCreate events) since the last wake.
import type { KubeList, KubeObject } from "../../kube/client.js";
import { childNames, type Sprite, type SpriteStatus } from "../api/index.js";
import { FAILED_CREATE_SELECTOR, RETRY_ANNOTATION, createFailure, eventVersion, latestFailedCreate, parseRetry } from "./create-failure.js";
import { isNewWakeRequest } from "./decide.js";
import type { ReconcileDeps } from "./reconcile-context.js";
import { resourcePath } from "../runtime/resources.js";

function latest(...times: (string | undefined)[]): Date | undefined {
  const ms = times.map((t) => Date.parse(t ?? "")).filter((t) => !Number.isNaN(t));
  return ms.length === 0 ? undefined : new Date(Math.max(...ms));
}

/**
 * Why the StatefulSet's pod does not exist, when admission refused it since the last wake. A wake
 * request on an awake Sprite whose pod was refused asks to try again (the user may have fixed the
 * cause): the StatefulSet controller retries at once on any change to its object, where otherwise
 * its backoff could keep the user waiting for minutes. The refusal as it stood then is not news.
 */
export async function createFailureOf(
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
