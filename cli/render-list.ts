// The rows of `puck list`: pure functions of the Sprites and the clock.
import { CONDITION, REASON, formatDisk, type Sprite } from "../operator/api/index.js";
import { ageSince, timeUntil } from "./duration.js";
import { urlCell } from "./url-spec.js";

export const LIST_HEADERS = ["NAME", "PHASE", "SESSIONS", "LAST-ACTIVE", "HIBERNATES-IN", "AGE"];
export const WIDE_HEADERS = [...LIST_HEADERS, "REASON", "IMAGE", "STORAGE", "DISK", "POD", "UPDATE", "URLS"];

/** When the Sprite will hibernate: a countdown, or why it will not ("-" once hibernated). */
export function hibernatesIn(sprite: Sprite, now: Date): string {
  const status = sprite.status;
  if (!status || status.phase === "Hibernating" || status.phase === "Terminating") return "-";
  if (status.hibernatesAt) return timeUntil(status.hibernatesAt, now);
  return status.reason ? `(${status.reason})` : "-";
}

/** The operator's UpdatePending condition while it is True: a new pod template waits. */
export function pendingUpdate(sprite: Sprite): { reason: string; message: string; restartsAt?: string } | undefined {
  const c = sprite.status?.conditions?.find((x) => x.type === CONDITION.updatePending);
  if (c?.status !== "True") return undefined;
  const restartsAt = c.reason === REASON.restartScheduled ? sprite.status?.restartsAt : undefined;
  return { reason: c.reason, message: c.message ?? "", ...(restartsAt ? { restartsAt } : {}) };
}

/** The UPDATE column: "held" while Puck's change waits for an idle Sprite, the restart countdown for the user's. */
export function updateCell(sprite: Sprite, now: Date): string {
  const pending = pendingUpdate(sprite);
  if (!pending) return "-";
  if (pending.restartsAt) return `restart in ${timeUntil(pending.restartsAt, now)}`;
  return pending.reason === REASON.restartScheduled ? "restart" : "held";
}

/**
 * The REASON column: why the Sprite is as it is; a node that is down wins, since it is what the user
 * must act on (a hibernating Sprite keeps why it hibernated in status.reason, and cannot wake now).
 */
export function reasonCell(sprite: Sprite): string {
  const ready = sprite.status?.conditions?.find((c) => c.type === CONDITION.ready);
  if (ready?.status === "False" && ready.reason === REASON.nodeNotReady) return REASON.nodeNotReady;
  return sprite.status?.reason ?? "-";
}

/** A Sprite as `-o name` prints it: with its namespace when the list spans every namespace (-A). */
export const listName = (sprite: Sprite, allNamespaces: boolean) =>
  allNamespaces ? `${sprite.metadata.namespace}/${sprite.metadata.name}` : sprite.metadata.name;

export function listRow(sprite: Sprite, now: Date, wide: boolean): string[] {
  const status = sprite.status ?? {};
  const awake = status.phase === "Active" || status.phase === "Starting";
  const row = [
    sprite.metadata.name,
    sprite.metadata.deletionTimestamp ? "Terminating" : (status.phase ?? "Pending"),
    awake ? String(status.activeSessions ?? 0) : "-",
    status.lastActiveTime ? ageSince(status.lastActiveTime, now) : "-",
    hibernatesIn(sprite, now),
    ageSince(sprite.metadata.creationTimestamp, now),
  ];
  if (!wide) return row;
  return [
    ...row,
    reasonCell(sprite),
    sprite.spec.image,
    sprite.spec.storageSize ?? "-",
    // The agent's last figures: still true while the Sprite sleeps, since nothing writes then.
    status.disk ? formatDisk(status.disk) : "-",
    awake ? (status.podName ?? "-") : "-",
    updateCell(sprite, now),
    urlCell(sprite),
  ];
}

/** Code-unit order: names are ASCII, and localeCompare would load ICU's collator (milliseconds). */
export const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
export const sortByName = (sprites: Sprite[]) => [...sprites].sort((a, b) => byText(a.metadata.name, b.metadata.name));
