// Publishes the agent's findings when they are due (first, changed, or the heartbeat). A failed
// publish throws: the supervisor that runs the agent's loop retries it with backoff; nothing here retries.
import { decisionKey, publishReason, type Findings, type PublishState } from "./aggregate.js";
import type { Logger } from "./logger.js";

export type PublishReason = "first" | "changed" | "heartbeat";

export interface Publisher {
  /** Publishes if due and says why; undefined when nothing was due. Throws when the sink fails. */
  publishIfDue(findings: Findings, nowMs: number): Promise<PublishReason | undefined>;
}

export function createPublisher(options: { sink: (findings: Findings) => Promise<void>; heartbeatMs: number; log: Logger }): Publisher {
  const { log } = options;
  let state: PublishState = {};
  return {
    async publishIfDue(findings, nowMs) {
      const reason = publishReason(state, findings, nowMs, options.heartbeatMs);
      if (reason === undefined) return undefined;
      await options.sink(findings);
      const key = decisionKey(findings);
      const changed = state.key !== key;
      state = { key, lastPublishMs: nowMs };
      (changed ? log.info : log.debug)("Published activity", {
        reason,
        activeSessions: findings.activeSessions,
        busy: findings.report.busyProcesses?.map((b) => b.pid),
        keepAwakeUntil: findings.report.keepAwakeUntil,
      });
      return reason;
    },
  };
}
