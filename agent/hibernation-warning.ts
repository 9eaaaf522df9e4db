// Before hibernation, or a restart the user's change needs, warns every attached terminal — and keeps
// that warning from counting as activity.
import { warningLeadMs } from "../operator/api/index.js";

/** Whether terminals should be warned now about the hibernation (or restart) planned at `hibernatesAtMs`. */
export function warningDue(hibernatesAtMs: number | undefined, nowMs: number, idleTimeoutMinutes: number, warnedForMs: number | undefined): boolean {
  if (hibernatesAtMs === undefined || hibernatesAtMs === warnedForMs) return false;
  const left = hibernatesAtMs - nowMs;
  return left > 0 && left <= warningLeadMs(idleTimeoutMinutes);
}

/** What the terminals are warned of: the Sprite going to sleep, or its pod restarting (status.restartsAt). */
export type WarningKind = "hibernation" | "restart";

const when = (atMs: number, nowMs: number) =>
  `${new Date(atMs).toISOString().slice(11, 16)} UTC (in ${Math.max(1, Math.round((atMs - nowMs) / 60_000))} min)`;

// \r\n around each: the line starts at column 0 even in the middle of the user's prompt, as wall does.
export function warningText(hibernatesAtMs: number, nowMs: number): string {
  return `\r\n*** Puck: this Sprite hibernates at ${when(hibernatesAtMs, nowMs)} unless it is used. To stay awake, type something or run: keepawake 1h ***\r\n`;
}

/** A restart cannot be put off by activity: it applies a change someone made to the Sprite's spec. */
export function restartWarningText(restartsAtMs: number, nowMs: number): string {
  return `\r\n*** Puck: this Sprite restarts at ${when(restartsAtMs, nowMs)} to apply a change to its image or resources; the sessions in it end then, your home directory is kept. ***\r\n`;
}

/** The terminal's times before and after the agent's own write. */
export interface OwnWrite {
  beforeMs: number;
  afterMs: number;
}

/**
 * The terminal's last activity, not counting the agent's own warning: as long as the terminal's
 * time has not moved past what the write left behind, the time before the write stands.
 */
export function activityExcludingOwnWrite(rawMs: number, own: OwnWrite | undefined): number {
  if (own === undefined || rawMs > own.afterMs) return rawMs;
  return Math.min(rawMs, own.beforeMs);
}

export interface HibernationOutlook {
  /** status.hibernatesAt, set by the operator once nothing holds the Sprite awake. */
  hibernatesAtMs?: number;
  activeTerminals: number;
  /** Whether any active terminal's times could not be read: then nothing can be predicted. */
  unknownTerminal: boolean;
  execs: number;
  busy: number;
  /**
   * Data moves on the network now. Once it stops, the time it last moved counts in lastActiveTime,
   * and the Sprite hibernates when the idle timeout since then runs out, as after a silent terminal.
   */
  networkActive: boolean;
  /** The latest activity, as published in lastActiveTime. */
  lastActiveMs?: number;
  /** Keep-alives, from the keep-awake file and from the Sprite's spec. */
  keepAwakeUntilMs?: number;
  idleTimeoutMinutes: number;
}

/**
 * When the Sprite will hibernate if nothing else happens. The operator plans it (hibernatesAt) only
 * once no session is active — but a silent terminal (or a network gone quiet) stops being active
 * exactly when the idle timeout since its last activity runs out, and the Sprite then hibernates at once. So while only
 * terminals hold it awake, the agent predicts the same moment itself (lastActiveTime + timeout,
 * as the operator computes it), to warn those terminals in time.
 */
export function expectedHibernation(o: HibernationOutlook): number | undefined {
  if (o.hibernatesAtMs !== undefined) return o.hibernatesAtMs;
  if (o.execs > 0 || o.busy > 0 || (o.activeTerminals === 0 && !o.networkActive) || o.unknownTerminal || o.lastActiveMs === undefined) return undefined;
  return Math.max(o.lastActiveMs + o.idleTimeoutMinutes * 60_000, o.keepAwakeUntilMs ?? 0);
}
