// What holds an awake Sprite awake, given a fresh report: an ordered list of named checks, each
// returning why it holds the Sprite (reason, message, when to look again) or nothing. The first that
// holds decides; when none does, the idle timeout has run out (operator/sprite/decide.ts hibernates it).
// The shape is cert-manager's policies.Chain. Pure.
import { networkSummary, REASON, type IdleSince, type SpriteSpec, type SpriteStatus } from "../api/index.js";

export const timeOf = (text: string | undefined): number | undefined => {
  if (!text) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
};
const iso = (ms: number) => new Date(ms).toISOString();

/** What the checks read: the Sprite as observed, with its times worked out and named. */
export interface Evidence {
  spec: SpriteSpec;
  status: SpriteStatus;
  nowMs: number;
  /** The Sprite's idle timeout, scaled (tests make a minute last seconds). */
  idleTimeoutMs: number;
  /** When the idle time began (last activity, waking or wake request), and what began it. */
  idleSince: IdleSince;
  /** idleSince plus the idle timeout: the Sprite hibernates then, unless a keep-alive runs later. */
  idleDeadlineMs: number;
  /** The later of the keep-alives: the spec's (`puck keepawake`) and the one from inside (`keepawake`). */
  keepAwakeUntilMs?: number;
}

/** Why a check holds the Sprite awake. */
export interface Hold {
  reason: string;
  message: string;
  /** When to look again, where the check has a time of its own (decide also looks again when the report goes stale). */
  lookAgainAtMs?: number;
  /** When the Sprite hibernates if nothing happens: only the idle countdown knows. */
  hibernatesAtMs?: number;
  /** Decision.idle: the hold is no use of the Sprite, so a change Puck makes on its own need not wait. */
  idle?: boolean;
}

export type Check = (evidence: Evidence) => Hold | undefined;

/** Runs the checks in order: the first that holds the Sprite awake says why; none, nothing does. */
export function chain(checks: readonly Check[], evidence: Evidence): Hold | undefined {
  for (const check of checks) {
    const hold = check(evidence);
    if (hold) return hold;
  }
  return undefined;
}

/** Someone is in it: an active terminal session, or a command running through exec. */
export function sessionsAndExec({ status }: Evidence): Hold | undefined {
  const count = status.activeSessions ?? 0;
  if (count === 0) return undefined;
  const active = status.activity?.sessions?.filter((s) => s.active) ?? [];
  return active.length > 0 && active.every((s) => s.kind === "exec")
    ? { reason: REASON.execRunning, message: "Staying awake: a command is running (exec)." }
    : { reason: REASON.sessionActive, message: `Staying awake: ${count} active session(s).` };
}

/** A process is busy: sustained CPU, or a command spec.activity.busyCommands names. */
export function busyProcesses({ status }: Evidence): Hold | undefined {
  const busiest = status.activity?.busyProcesses?.[0];
  return busiest ? { reason: REASON.processBusy, message: `Staying awake: a process is busy (${busiest.command}).` } : undefined;
}

/**
 * Data moves on the network now (a download, a forward in use): the agent's report says so while its
 * moving window sees more than the agent's own trickle. Data that moved earlier is not this check's:
 * like a terminal's last input it dates the last activity, and the idle countdown runs from it.
 */
export function networkMoving({ status }: Evidence): Hold | undefined {
  const network = status.activity?.network;
  return network?.active ? { reason: REASON.networkActive, message: `Staying awake: data moves on the network (${networkSummary(network)}).` } : undefined;
}

/** A keep-alive that runs past the idle deadline: it, not the idle timeout, says when the Sprite may sleep. */
export function keepAlive({ nowMs, keepAwakeUntilMs: until, idleDeadlineMs }: Evidence): Hold | undefined {
  if (until === undefined || until <= idleDeadlineMs || nowMs >= until) return undefined;
  return { reason: REASON.keepAwake, message: `Staying awake: kept awake until ${iso(until)}.`, lookAgainAtMs: until };
}

/**
 * The idle countdown: nothing above holds the Sprite, and the idle timeout since it went idle has not
 * run out. It hibernates at the deadline if nothing happens. Not idle evidence while data moved on the
 * network within the timeout: a forward paused between page loads is still someone's.
 */
export function idleCountdown({ status, nowMs, idleSince, idleDeadlineMs, idleTimeoutMs }: Evidence): Hold | undefined {
  if (nowMs >= idleDeadlineMs) return undefined;
  const movedMs = timeOf(status.activity?.network?.lastMovedTime);
  return {
    reason: REASON.idleTimeoutPending,
    message: `Idle since ${iso(idleSince.atMs)} (${idleSince.cause}): hibernates when the idle timeout runs out.`,
    lookAgainAtMs: idleDeadlineMs,
    hibernatesAtMs: idleDeadlineMs,
    idle: movedMs === undefined || nowMs - movedMs > idleTimeoutMs,
  };
}

/** The checks, in the order they are asked. */
export const AWAKE_CHECKS: readonly Check[] = [sessionsAndExec, busyProcesses, networkMoving, keepAlive, idleCountdown];
