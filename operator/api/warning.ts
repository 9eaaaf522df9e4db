// How long terminals are warned before Puck stops a Sprite's pod: the agent and the operator share it.

/**
 * Warn this long before hibernation, or before a restart that applies the user's own change: five
 * minutes, or half the idle timeout when that is shorter.
 */
export function warningLeadMs(idleTimeoutMinutes: number): number {
  return Math.min(5 * 60_000, (idleTimeoutMinutes * 60_000) / 2);
}
