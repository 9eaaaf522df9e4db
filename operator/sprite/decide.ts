// The operator's one decision: how many replicas a Sprite should have now, and why. Pure.
//
// Three gates first, in order, each of which may decide alone:
//   1. Asleep: a hibernated Sprite stays asleep, unless a wake request came that the operator has
//      not acted on yet (and no later hibernate request).
//   2. Hibernation requested: `puck hibernate` (a hibernate request newer than the last wake
//      request) puts an awake Sprite to sleep, busy or not.
//   3. Fresh evidence: without an agent report made since the Sprite woke, and younger than
//      staleAfterMs, nothing is known, and unknown is never idle: it stays awake (ActivityUnknown).
// Then, with a fresh report in hand, the checks that hold a Sprite awake are asked in order
// (operator/sprite/decide-checks.ts): sessions and exec, busy processes, data moving on the network, a
// keep-alive, the idle countdown. The first that holds names the reason, the message and when to
// look again. When none holds, the idle timeout has run out: the Sprite hibernates (Idle).
import { IDLE_TIMEOUT_MINUTES, idleSince, isAsleep, REASON, type Phase, type SpriteSpec, type SpriteStatus } from "../api/index.js";
import { AWAKE_CHECKS, chain, timeOf, type Evidence } from "./decide-checks.js";

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
   * A fresh report says nobody uses the Sprite: no session, no busy process, no keep-alive, no data
   * moved on the network within the idle timeout — the evidence hibernation needs. Changes Puck makes
   * on its own wait for it (operator/sprite/rollout.ts).
   */
  idle: boolean;
  activityFresh: Freshness;
}

/** Whether the spec asks for hibernation: a hibernate request newer than the last wake request (a later connect undoes it). */
const hibernateRequested = (spec: SpriteSpec): boolean => {
  const hibernateRequestedMs = timeOf(spec.hibernateRequestedAt);
  const wakeRequestedMs = timeOf(spec.wakeRequestedAt);
  return hibernateRequestedMs !== undefined && (wakeRequestedMs === undefined || hibernateRequestedMs > wakeRequestedMs);
};

/**
 * A wake request is new if it differs from the one the operator last acted on (recorded in the
 * status on every write, from the same read that made the decision). Comparing it with hibernatedAt
 * instead would lose a wake stamped by the client just before the operator's hibernation but
 * arriving just after it.
 */
export function isNewWakeRequest(spec: SpriteSpec, status: SpriteStatus): boolean {
  const wakeRequestedMs = timeOf(spec.wakeRequestedAt);
  return wakeRequestedMs !== undefined && wakeRequestedMs !== timeOf(status.observedWakeRequestedAt);
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

/** Scales to 0 now: on request, or after the idle timeout (then with the evidence hibernation needs). */
const goToSleep = (reason: string, message: string, idle: boolean): Decision => ({
  replicas: 0,
  phase: "Hibernating",
  reason,
  message,
  hibernate: true,
  wake: false,
  idle,
  activityFresh: asleepFreshness,
});

const awaitingFirstReport: Freshness = { status: "False", reason: REASON.awaitingFirstReport, message: "Waiting for the agent's first report since waking." };
const reporting: Freshness = { status: "True", reason: REASON.agentReporting, message: "The agent reports regularly." };

/** Gate 1: a hibernated Sprite wakes on a wake request it has not acted on (and no later hibernate request), else stays asleep. */
function asleep({ spec, status, podReady }: Observed): Decision {
  const onRequest = hibernateRequested(spec);
  if (!onRequest && isNewWakeRequest(spec, status)) {
    return { replicas: 1, phase: podReady ? "Active" : "Starting", reason: REASON.wakeRequested, message: "Waking on request.", hibernate: false, wake: true, idle: false, activityFresh: awaitingFirstReport };
  }
  return {
    replicas: 0,
    phase: "Hibernating",
    reason: onRequest ? REASON.hibernateRequested : REASON.idle,
    message: onRequest ? "Hibernating on request." : "Hibernating after the idle timeout.",
    hibernate: false,
    wake: false,
    idle: false,
    activityFresh: asleepFreshness,
  };
}

/** Gate 3's answer when the evidence is not fresh: nothing is known, and unknown is never idle. */
function activityUnknown(reportedSinceWake: boolean, config: DecideConfig): Pick<Decision, "reason" | "message" | "activityFresh"> {
  return reportedSinceWake
    ? {
        reason: REASON.activityUnknown,
        message: "Staying awake: the agent has not reported recently, and unknown activity is never idle.",
        activityFresh: { status: "False", reason: REASON.agentNotReporting, message: `The agent's last report is older than ${Math.round(config.staleAfterMs / 1000)}s.` },
      }
    : { reason: REASON.activityUnknown, message: "Staying awake: waiting for the agent's first report.", activityFresh: awaitingFirstReport };
}

/** The checks' evidence: the observed Sprite with its idle time, deadline and keep-alive worked out. */
function evidence({ spec, status }: Observed, nowMs: number, wokeAtMs: number, config: DecideConfig): Evidence {
  const idleTimeoutMs = (spec.idleTimeoutMinutes ?? IDLE_TIMEOUT_MINUTES.default) * 60_000 * config.idleTimeoutScale;
  const since = idleSince(spec, status, wokeAtMs)!; // never undefined: wokeAtMs is a time
  const keepAlives = [timeOf(spec.keepAwakeUntil), timeOf(status.activity?.keepAwakeUntil)].filter((t): t is number => t !== undefined);
  return {
    spec,
    status,
    nowMs,
    idleTimeoutMs,
    idleSince: since,
    idleDeadlineMs: since.atMs + idleTimeoutMs,
    ...(keepAlives.length > 0 ? { keepAwakeUntilMs: Math.max(...keepAlives) } : {}),
  };
}

/** The gates in order, then the checks (see the top of this file). */
export function decide(observed: Observed, now: Date, config: DecideConfig): Decision {
  const { spec, status } = observed;
  const nowMs = now.getTime();
  if (isAsleep(status)) return asleep(observed); // gate 1
  if (hibernateRequested(spec)) return goToSleep(REASON.hibernateRequested, "Hibernating on request.", false); // gate 2

  // Awake. A Sprite that never woke (just created) wakes now.
  const wokeAtMs = timeOf(status.wokeAt) ?? nowMs;
  const awake = { replicas: 1 as const, phase: (observed.podReady ? "Active" : "Starting") as Phase, hibernate: false, wake: timeOf(status.wokeAt) === undefined, idle: false };

  // Gate 3: fresh evidence, a report made since waking and not yet stale.
  const reportMs = timeOf(status.activity?.reportTime);
  const reportedSinceWake = reportMs !== undefined && reportMs >= wokeAtMs;
  const reportStaleAtMs = reportedSinceWake ? reportMs + config.staleAfterMs : undefined;
  if (reportStaleAtMs === undefined || nowMs > reportStaleAtMs) return { ...awake, ...activityUnknown(reportedSinceWake, config) };

  // The checks: the first that holds the Sprite awake says why; none, and it has been idle long enough.
  const hold = chain(AWAKE_CHECKS, evidence(observed, nowMs, wokeAtMs, config));
  if (!hold) return goToSleep(REASON.idle, "Hibernating after the idle timeout.", true);
  return {
    ...awake,
    reason: hold.reason,
    message: hold.message,
    idle: hold.idle ?? false,
    // Look again when the report goes stale at the latest, so the ActivityFresh condition flips on time.
    recheckAt: new Date(Math.min(hold.lookAgainAtMs ?? Infinity, reportStaleAtMs)),
    ...(hold.hibernatesAtMs !== undefined ? { hibernatesAt: new Date(hold.hibernatesAtMs) } : {}),
    activityFresh: reporting,
  };
}
