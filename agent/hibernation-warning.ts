// Before hibernation, warns every attached terminal — and keeps that warning from counting as activity.

/** Warn this long before hibernation: five minutes, or half the idle timeout when that is shorter. */
export function warningLeadMs(idleTimeoutMinutes: number): number {
  return Math.min(5 * 60_000, (idleTimeoutMinutes * 60_000) / 2);
}

/** Whether terminals should be warned now about the hibernation planned at `hibernatesAtMs`. */
export function warningDue(hibernatesAtMs: number | undefined, nowMs: number, idleTimeoutMinutes: number, warnedForMs: number | undefined): boolean {
  if (hibernatesAtMs === undefined || hibernatesAtMs === warnedForMs) return false;
  const left = hibernatesAtMs - nowMs;
  return left > 0 && left <= warningLeadMs(idleTimeoutMinutes);
}

export function warningText(hibernatesAtMs: number, nowMs: number): string {
  const at = new Date(hibernatesAtMs).toISOString().slice(11, 16);
  const minutes = Math.max(1, Math.round((hibernatesAtMs - nowMs) / 60_000));
  // \r\n around it: the line starts at column 0 even in the middle of the user's prompt, as wall does.
  return `\r\n*** Puck: this Sprite hibernates at ${at} UTC (in ${minutes} min) unless it is used. To stay awake, type something or run: keepawake 1h ***\r\n`;
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
  /** Data moved on the network within the idle timeout: like a terminal, it stops counting when that runs out. */
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
