// Maps uids to user names from the main container's /etc/passwd, reached through /proc/<pid>/root.
import { readFileSync } from "node:fs";

const REFRESH_MS = 60_000;

/** Parses passwd lines (name:x:uid:...) into uid → name; the first name of a uid wins, as in getpwuid. */
export function parsePasswd(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split("\n")) {
    const [name, , uid] = line.split(":");
    if (!name || uid === undefined || !/^\d+$/.test(uid)) continue;
    const n = Number(uid);
    if (!names.has(n)) names.set(n, name);
  }
  return names;
}

/**
 * The agent's own /etc/passwd is not the Sprite's: the names come from the passwd file the caller
 * points at (the main container's: etc/passwd under /proc/<its pid>/root), re-read every minute so users
 * added in the Sprite appear. A uid without a name is shown as the number, as `ps` does.
 */
export function createUserNames(now: () => number) {
  let path: string | undefined;
  let names = new Map<number, string>();
  let readMs = -Infinity;
  return (passwdPath: string | undefined) =>
    (uid: number): string => {
      if (passwdPath !== undefined && (passwdPath !== path || now() - readMs >= REFRESH_MS)) {
        path = passwdPath;
        readMs = now();
        try {
          names = parsePasswd(readFileSync(passwdPath, "utf8"));
        } catch {
          names = new Map();
        }
      }
      return names.get(uid) ?? String(uid);
    };
}
