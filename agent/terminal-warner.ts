// Writes the hibernation (or restart) warning to the Sprite's terminals, once per planned moment, and
// keeps its own writes from counting as the terminals' activity.
import { activityExcludingOwnWrite, restartWarningText, warningDue, warningText, type OwnWrite, type WarningKind } from "./hibernation-warning.js";
import type { Logger } from "./logger.js";
import { writeToTerminal as writeTerminal } from "./tty-stat.js";

/** What the warner needs of a terminal: where to write, and its output time as read. */
export interface WarnableTerminal {
  key: string;
  ttyNr: number;
  tty: string;
  pid: number;
  fdPath?: string;
  lastOutputMs?: number;
}

export interface TerminalWarner {
  /** The terminal's output time (mtime), not counting the warner's own write to it. */
  outputExcludingOwn(key: string, rawMs: number): number;
  /** Forgets terminals that are gone. */
  keepOnly(keys: ReadonlySet<string>): void;
  /** Warns every terminal it can reach when the planned hibernation (or restart) is near and not yet warned of. */
  warnIfDue(kind: WarningKind, atMs: number | undefined, nowMs: number, idleTimeoutMinutes: number, terminals: readonly WarnableTerminal[]): void;
  /** Writes a line to every terminal it can reach, now (the caller says it once). */
  say(what: string, text: string, nowMs: number, terminals: readonly WarnableTerminal[]): void;
}

export function createTerminalWarner(options: { log: Logger; writeToTerminal?: typeof writeTerminal }): TerminalWarner {
  const { log } = options;
  const writeToTerminal = options.writeToTerminal ?? writeTerminal;
  const ownWrites = new Map<string, OwnWrite>();
  const warnedFor: Partial<Record<WarningKind, number>> = {};
  const writeAll = (what: string, text: string, nowMs: number, terminals: readonly WarnableTerminal[]) => {
    for (const t of terminals) {
      if (!t.fdPath) continue;
      try {
        // The write moves the terminal's output time: remember where it left it, to tell it from the user's.
        const after = writeToTerminal(t.fdPath, t.ttyNr, text);
        if (after) ownWrites.set(t.key, { beforeMs: t.lastOutputMs ?? nowMs, afterMs: after.mtimeMs });
        log.info(`Told terminal of ${what}`, { tty: t.tty, pid: t.pid });
      } catch (error) {
        log.warn("Failed to write to terminal", { tty: t.tty, pid: t.pid, error });
      }
    }
  };
  return {
    outputExcludingOwn: (key, rawMs) => activityExcludingOwnWrite(rawMs, ownWrites.get(key)),
    keepOnly(keys) {
      for (const key of ownWrites.keys()) if (!keys.has(key)) ownWrites.delete(key);
    },
    warnIfDue(kind, atMs, nowMs, idleTimeoutMinutes, terminals) {
      if (atMs === undefined || !warningDue(atMs, nowMs, idleTimeoutMinutes, warnedFor[kind])) return;
      warnedFor[kind] = atMs;
      const text = kind === "restart" ? restartWarningText(atMs, nowMs) : warningText(atMs, nowMs);
      writeAll(`${kind} at ${new Date(atMs).toISOString()}`, text, nowMs, terminals);
    },
    say: writeAll,
  };
}
