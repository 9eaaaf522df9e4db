// After a session in a Sprite ends without the command's own exit (the connection closed, the shell was
// killed), whether the Sprite ended it — hibernated, deleted, its pod stopped — and the exit status
// every program then gives: `puck connect` and the SSH gateway alike.
import type { KubeClient } from "../kube/client.js";
import { sessionEnd, type SessionEnd } from "../operator/api/index.js";
import type { SpriteRef } from "./sprite-ref.js";
import { findSprite, podPresence } from "./sprites.js";

/** Exit codes of a shell killed by a signal (SIGHUP, SIGKILL, SIGTERM): how a stopping pod ends it. */
const KILLED = new Set([129, 137, 143]);

/**
 * Whether a session's outcome could be the Sprite's doing, and so worth asking the cluster about:
 * "lost" is a connection that closed without the command's exit status.
 */
export const mayBeSpriteSide = (outcome: number | "lost") => outcome === "lost" || KILLED.has(outcome);

/**
 * The exit status of a session the Sprite ended, as ssh's own when the remote end goes away: the
 * command's own code is unknown. `puck connect` and the gateway both use it.
 */
export const EXIT_SESSION_ENDED = 255;

/**
 * The Sprite-side cause of the end of a session that began at `sinceMs` in `pod`, or undefined when the
 * Sprite and its pod are as they were (then the command ended by itself).
 */
export async function explainSessionEnd(client: KubeClient, ref: SpriteRef, pod: string, sinceMs: number): Promise<SessionEnd | undefined> {
  const [sprite, seen] = await Promise.all([findSprite(client, ref), podPresence(client, ref.namespace, pod)]);
  return sessionEnd(ref.name, sprite, seen, sinceMs);
}
