// Publishes a verdict when it is due (first, changed, or the heartbeat). A failed publish throws:
// the supervisor that runs the agent's loop retries it with backoff; nothing here retries.
import { decisionKey, publishReason, type PublishState, type Verdict } from "./aggregate.js";
import type { Logger } from "./logger.js";

export type PublishReason = "first" | "changed" | "heartbeat";

export interface Publisher {
  /** Publishes if due and says why; undefined when nothing was due. Throws when the sink fails. */
  publishIfDue(verdict: Verdict, nowMs: number): Promise<PublishReason | undefined>;
}

export function createPublisher(options: { sink: (verdict: Verdict) => Promise<void>; heartbeatMs: number; log: Logger }): Publisher {
  const { log } = options;
  let state: PublishState = {};
  return {
    async publishIfDue(verdict, nowMs) {
      const reason = publishReason(state, verdict, nowMs, options.heartbeatMs);
      if (reason === undefined) return undefined;
      await options.sink(verdict);
      const key = decisionKey(verdict);
      const changed = state.key !== key;
      state = { key, lastPublishMs: nowMs };
      (changed ? log.info : log.debug)("Published activity", {
        reason,
        activeSessions: verdict.activeSessions,
        busy: verdict.report.busyProcesses?.map((b) => b.pid),
        keepAwakeUntil: verdict.report.keepAwakeUntil,
      });
      return reason;
    },
  };
}
