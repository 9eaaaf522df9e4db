// When a Sprite's idle time began, and what began it: its idle timeout runs from that moment. The
// operator decides by it (operator/sprite/decide.ts); `puck describe` says it ("idle since …").
import type { SpriteSpec, SpriteStatus } from "./sprite-schema.js";

export interface IdleSince {
  atMs: number;
  /** What set it, in words: "data last moved on the network", "a connect or wake request", … */
  cause: string;
}

const time = (text: string | undefined): number | undefined => {
  if (!text) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
};

/**
 * The latest of the agent's last activity (status.lastActiveTime: terminal input, running commands,
 * busy processes, data that moved on the network), the last waking (status.wokeAt, or `wokeAtMs` when
 * the caller knows better) and the last wake request (spec.wakeRequestedAt, which every connect
 * writes). Undefined before any of them.
 */
export function idleSince(spec: Pick<SpriteSpec, "wakeRequestedAt">, status: SpriteStatus, wokeAtMs = time(status.wokeAt)): IdleSince | undefined {
  const lastActiveMs = time(status.lastActiveTime);
  const wakeRequestedMs = time(spec.wakeRequestedAt);
  const times = [lastActiveMs, wokeAtMs, wakeRequestedMs].filter((t): t is number => t !== undefined);
  if (times.length === 0) return undefined;
  const atMs = Math.max(...times);
  // The agent counts a wake request and the network in lastActiveTime too: name the specific one.
  if (atMs === wakeRequestedMs) return { atMs, cause: "a connect or wake request" };
  if (atMs === time(status.activity?.network?.lastMovedTime)) return { atMs, cause: "data last moved on the network" };
  if (atMs === lastActiveMs) return { atMs, cause: "the last session, command or busy process the agent saw" };
  return { atMs, cause: "waking" };
}
