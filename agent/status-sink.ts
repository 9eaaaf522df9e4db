// Publishes the activity report as a merge patch on the Sprite's status subresource.
import type { KubeClient } from "../kube/client.js";
import { resourcePath } from "../kube/paths.js";
import { SPRITES, type ActivityReport, type Sprite, type SpriteStatus } from "../operator/api/index.js";
import type { Findings } from "./aggregate.js";
import type { Logger } from "./logger.js";

/** The merge patch for the agent's findings. A merge patch keeps keys it does not mention: null clears them. */
export function statusPatch(findings: Findings): { status: Partial<Record<keyof SpriteStatus, unknown>> } {
  const activity: Record<keyof ActivityReport, unknown> = {
    reportTime: findings.report.reportTime,
    agentStartTime: findings.report.agentStartTime,
    mainStartTime: findings.report.mainStartTime ?? null,
    sessions: findings.report.sessions ?? [],
    busyProcesses: findings.report.busyProcesses ?? [],
    keepAwakeUntil: findings.report.keepAwakeUntil ?? null,
    cpuPercent: findings.report.cpuPercent ?? 0,
    processCount: findings.report.processCount ?? 0,
    network: findings.report.network ?? null,
  };
  return {
    status: {
      activeSessions: findings.activeSessions,
      ...(findings.lastActiveMs !== undefined ? { lastActiveTime: new Date(findings.lastActiveMs).toISOString() } : {}),
      activity,
      // Absent when it could not be read: the last figures stay (a merge patch keeps what it omits).
      ...(findings.disk ? { disk: findings.disk } : {}),
      // Replaced whole (a merge patch replaces lists): a removed service goes. Absent when there is
      // no supervisor's folder to read; kept while the Sprite hibernates.
      ...(findings.services ? { services: findings.services } : {}),
    },
  };
}

/**
 * The report fields the API server did not keep: a CRD older than the agent prunes fields it does
 * not know (status.activity.network, say), silently — and the operator then acts without them.
 */
export function droppedActivityFields(sent: ReturnType<typeof statusPatch>, stored: Sprite | undefined): string[] {
  const activity = (sent.status.activity ?? {}) as Record<string, unknown>;
  const kept = (stored?.status?.activity ?? {}) as Record<string, unknown>;
  return Object.keys(activity).filter((key) => activity[key] !== null && !(key in kept));
}

/** Patches the status; warns once per set of report fields the API server did not keep. */
export function createStatusSink(client: KubeClient, namespace: string, name: string, log: Logger) {
  let warned = "";
  return async (findings: Findings): Promise<void> => {
    const patch = statusPatch(findings);
    let stored: Sprite;
    try {
      stored = await client.request<Sprite>("PATCH", resourcePath(SPRITES, { namespace, name, subresource: "status" }), { body: patch });
    } catch (error) {
      throw new Error(`patch status of Sprite ${namespace}/${name}`, { cause: error });
    }
    const dropped = droppedActivityFields(patch, stored);
    if (dropped.length > 0 && dropped.join() !== warned) {
      warned = dropped.join();
      log.warn("The API server dropped report fields: the Sprite CRD is older than this agent; apply deploy/crd.yaml", { fields: dropped });
    }
  };
}
