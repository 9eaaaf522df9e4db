// The operator's one decision: how many replicas a Sprite should have now, and why. Pure.
import { IDLE_TIMEOUT_MINUTES, networkSummary, REASON, type Phase, type SpriteSpec, type SpriteStatus } from "./api/index.js";
import { isAsleep } from "./api/wake.js";

export interface Observed {
  spec: SpriteSpec;
  status: SpriteStatus;
  /** Whether the Sprite's pod is Ready (all containers started). */
  podReady: boolean;
}

export interface DecideConfig {
  /** Agent reports older than this are not evidence. */
  staleAfterMs: number;
  /** Multiplies idle timeouts (tests use it to make a minute last seconds). */
  idleTimeoutScale: number;
}

export interface Freshness {
  status: "True" | "False";
  reason: string;
  message: string;
}

export interface Decision {
  replicas: 0 | 1;
  phase: Phase;
  reason: string;
  message: string;
  /** When to look again if nothing else happens. */
  recheckAt?: Date;
  /** When the Sprite hibernates if only the idle timeout holds it awake. */
  hibernatesAt?: Date;
  /** The Sprite goes to sleep now: write the status race-safely, then scale to 0. */
  hibernate: boolean;
  /** The Sprite wakes now (or starts for the first time): status.wokeAt becomes now. */
  wake: boolean;
  /**
   * A fresh report says nobody uses the Sprite: no session, no busy process, no keep-alive — the
   * evidence hibernation needs. Changes Puck makes on its own wait for it (operator/rollout.ts).
   */
  idle: boolean;
  activityFresh: Freshness;
}

const time = (text: string | undefined): number | undefined => {
  if (!text) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
};

const maxOf = (...values: (number | undefined)[]): number | undefined => {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length === 0 ? undefined : Math.max(...defined);
};


/**
 * A wake request is new if it differs from the one the operator last acted on (recorded in the
 * status on every write, from the same read that made the decision). Comparing it with hibernatedAt
 * instead would lose a wake stamped by the client just before the operator's hibernation but
 * arriving just after it.
 */
export function isNewWakeRequest(spec: SpriteSpec, status: SpriteStatus): boolean {
  const W = time(spec.wakeRequestedAt);
  return W !== undefined && W !== time(status.observedWakeRequestedAt);
}

const asleepFreshness: Freshness = {
  status: "False",
  reason: REASON.hibernated,
  message: "The Sprite is hibernating: no agent runs.",
};

/** A Sprite being deleted: no replicas, whatever its activity. */
export const TERMINATING: Decision = {
  replicas: 0,
  phase: "Terminating",
  reason: REASON.terminating,
  message: "Deleting the Sprite.",
  hibernate: false,
  wake: false,
  idle: false,
  activityFresh: { status: "False", reason: REASON.agentNotReporting, message: "The Sprite is being deleted." },
};

export function decide(observed: Observed, now: Date, config: DecideConfig): Decision {
  const { spec, status } = observed;
  const nowMs = now.getTime();
  const W = time(spec.wakeRequestedAt);
  const H = time(spec.hibernateRequestedAt);
  const hibernateRequested = H !== undefined && (W === undefined || H > W);
  const awakePhase: Phase = observed.podReady ? "Active" : "Starting";

  if (isAsleep(status)) {
    if (!hibernateRequested && isNewWakeRequest(spec, status)) {
      return {
        replicas: 1,
        phase: awakePhase,
        reason: REASON.wakeRequested,
        message: "Waking on request.",
        hibernate: false,
        wake: true,
        idle: false,
        activityFresh: { status: "False", reason: REASON.awaitingFirstReport, message: "Waiting for the agent's first report since waking." },
      };
    }
    return {
      replicas: 0,
      phase: "Hibernating",
      reason: hibernateRequested ? REASON.hibernateRequested : REASON.idle,
      message: hibernateRequested ? "Hibernating on request." : "Hibernating after the idle timeout.",
      hibernate: false,
      wake: false,
      idle: false,
      activityFresh: asleepFreshness,
    };
  }

  if (hibernateRequested) {
    return {
      replicas: 0,
      phase: "Hibernating",
      reason: REASON.hibernateRequested,
      message: "Hibernating on request.",
      hibernate: true,
      wake: false,
      idle: false,
      activityFresh: asleepFreshness,
    };
  }

  // Awake. A Sprite that never woke (just created) wakes now.
  const wake = time(status.wokeAt) === undefined;
  const wokeAt = time(status.wokeAt) ?? nowMs;
  const lastActivity = maxOf(time(status.lastActiveTime), wokeAt, W)!;
  const timeoutMs = (spec.idleTimeoutMinutes ?? IDLE_TIMEOUT_MINUTES.default) * 60_000 * config.idleTimeoutScale;
  const idleDeadline = lastActivity + timeoutMs;
  const keepUntil = maxOf(time(spec.keepAwakeUntil), time(status.activity?.keepAwakeUntil));
  const deadline = Math.max(idleDeadline, keepUntil ?? 0);

  const reportTime = time(status.activity?.reportTime);
  const reportedSinceWake = reportTime !== undefined && reportTime >= wokeAt;
  const staleAt = reportTime === undefined ? undefined : reportTime + config.staleAfterMs;
  const fresh = reportedSinceWake && nowMs <= staleAt!;
  const base = { replicas: 1 as const, phase: awakePhase, hibernate: false, wake, idle: false };

  if (!fresh) {
    return {
      ...base,
      reason: REASON.activityUnknown,
      message: reportedSinceWake
        ? "Staying awake: the agent has not reported recently, and unknown activity is never idle."
        : "Staying awake: waiting for the agent's first report.",
      activityFresh: reportedSinceWake
        ? { status: "False", reason: REASON.agentNotReporting, message: `The agent's last report is older than ${Math.round(config.staleAfterMs / 1000)}s.` }
        : { status: "False", reason: REASON.awaitingFirstReport, message: "Waiting for the agent's first report since waking." },
    };
  }

  const freshness: Freshness = { status: "True", reason: REASON.agentReporting, message: "The agent reports regularly." };
  // Recheck when the report goes stale, so the ActivityFresh condition flips on time.
  const stay = { ...base, activityFresh: freshness, recheckAt: new Date(staleAt!) };
  const sessions = status.activity?.sessions?.filter((s) => s.active) ?? [];
  if ((status.activeSessions ?? 0) > 0) {
    const onlyExec = sessions.length > 0 && sessions.every((s) => s.kind === "exec");
    return onlyExec
      ? { ...stay, reason: REASON.execRunning, message: "Staying awake: a command is running (exec)." }
      : { ...stay, reason: REASON.sessionActive, message: `Staying awake: ${status.activeSessions} active session(s).` };
  }
  if ((status.activity?.busyProcesses?.length ?? 0) > 0) {
    const top = status.activity!.busyProcesses![0]!;
    return { ...stay, reason: REASON.processBusy, message: `Staying awake: a process is busy (${top.command}).` };
  }
  const network = status.activity?.network;
  if (network?.active) {
    return { ...stay, reason: REASON.networkActive, message: `Staying awake: data moves on the network (${networkSummary(network)}).` };
  }
  if (nowMs < deadline) {
    const recheckAt = new Date(Math.min(deadline, staleAt!));
    if (keepUntil !== undefined && keepUntil > idleDeadline) {
      return { ...stay, recheckAt, reason: REASON.keepAwake, message: `Staying awake: kept awake until ${new Date(keepUntil).toISOString()}.` };
    }
    return {
      ...stay,
      idle: true,
      recheckAt,
      hibernatesAt: new Date(deadline),
      reason: REASON.idleTimeoutPending,
      message: "Idle: hibernates when the idle timeout runs out.",
    };
  }
  return {
    replicas: 0,
    phase: "Hibernating",
    reason: REASON.idle,
    message: "Hibernating after the idle timeout.",
    hibernate: true,
    wake: false,
    idle: true,
    activityFresh: asleepFreshness,
  };
}
