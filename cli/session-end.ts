// After a session ends without the command's own exit (the connection closed, or the shell was killed),
// asks the cluster whether the Sprite ended it — hibernated, deleted, its pod stopped — for one line.
import { sessionEnd, type SessionEnd } from "../operator/api/session-end.js";
import { findSprite, podPresence, type Target } from "./sprites.js";

/** Exit codes of a shell killed by a signal (SIGHUP, SIGKILL, SIGTERM): how a stopping pod ends it. */
const KILLED = new Set([129, 137, 143]);

/** Whether a session's outcome could be the Sprite's doing, and so worth asking the cluster about. */
export const mayBeSpriteSide = (outcome: number | "lost") => outcome === "lost" || KILLED.has(outcome);

/** The Sprite-side cause of the end, or undefined when the Sprite and its pod are as they were. */
export async function explainSessionEnd(target: Target, name: string, pod: string, sinceMs: number): Promise<SessionEnd | undefined> {
  const [sprite, seen] = await Promise.all([findSprite(target, name), podPresence(target, pod)]);
  return sessionEnd(name, sprite, seen, sinceMs);
}
