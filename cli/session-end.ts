// After a session ends without the command's own exit (the connection closed, or the shell was killed),
// asks the cluster whether the Sprite ended it — hibernated, deleted, its pod stopped — for one line.
import { sessionEnd, type SessionEnd } from "../operator/api/session-end.js";
import { findSprite, podPresence, type Target } from "./sprites.js";

export { mayBeSpriteSide } from "../operator/api/session-end.js";

/** The Sprite-side cause of the end, or undefined when the Sprite and its pod are as they were. */
export async function explainSessionEnd(target: Target, name: string, pod: string, sinceMs: number): Promise<SessionEnd | undefined> {
  const [sprite, seen] = await Promise.all([findSprite(target, name), podPresence(target, pod)]);
  return sessionEnd(name, sprite, seen, sinceMs);
}
