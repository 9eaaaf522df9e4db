// Reads each terminal session's identity and times: its /dev name, user, foreground command, and
// when it last saw input (atime: the kernel moves it when a program reads the terminal) and output
// (mtime: moved by writes), verified with real ptys and tmux in agent/real-processes.test.ts.
import type { TerminalSeen } from "./aggregate.js";
import type { TerminalGroup } from "./classify.js";
import { ttyName } from "./proc-scanner.js";
import { terminalPath, terminalTimes as readTerminalTimes, type TerminalTimes } from "./tty-stat.js";

export type TerminalReading = Omit<TerminalSeen, "lastInputMs" | "lastOutputMs"> & {
  key: string;
  ttyNr: number;
  /** An fd path that reaches the terminal (to warn it); absent when none could be read. */
  fdPath?: string;
  /** The terminal's times as the kernel keeps them; absent when they could not be read. */
  times?: TerminalTimes;
};

export function readTerminals(
  groups: readonly TerminalGroup[],
  userOf: (uid: number) => string,
  procRoot: string,
  terminalTimes: typeof readTerminalTimes = readTerminalTimes,
): TerminalReading[] {
  return groups.map((group) => {
    const times = terminalTimes(group.pids, group.ttyNr, procRoot);
    const path = times ? terminalPath(times.fdPath) : undefined;
    return {
      key: group.key,
      ttyNr: group.ttyNr,
      tty: path?.startsWith("/dev/") ? path.slice(5) : ttyName(group.ttyNr),
      user: userOf(group.leader.uid),
      command: group.foreground.cmdline,
      pid: group.leader.pid,
      startTimeMs: group.leader.startTimeMs,
      pids: group.pids,
      ...(times ? { times, fdPath: times.fdPath } : {}),
    };
  });
}
