// Finds a terminal session's tty through /proc/<pid>/fd and reads when it last saw input or output.
import { openSync, closeSync, readdirSync, readlinkSync, statSync, writeSync, constants } from "node:fs";
import { join } from "node:path";

export interface TerminalTimes {
  /** The fd path that reaches the terminal, e.g. /proc/42/fd/0: usable to write to it. */
  fdPath: string;
  /** Last input (read) and output (write) on the terminal, in ms; the kernel moves them in 8 s steps. */
  atimeMs: number;
  mtimeMs: number;
}

/**
 * Each container has its own /dev/pts, so the agent cannot open /dev/pts/N by name: it reaches a
 * session's terminal through an fd of one of its processes. That needs ptrace-read access to the
 * process (CAP_SYS_PTRACE when it runs as another user or holds capabilities the agent lacks) and
 * search access to /proc/<pid>/fd (mode 0500, owned by the process's user: CAP_DAC_READ_SEARCH).
 * Returns undefined when no fd of these pids reaches the terminal or access is denied.
 */
export function terminalTimes(pids: number[], ttyNr: number, procRoot = "/proc"): TerminalTimes | undefined {
  for (const pid of pids) {
    const fdDir = join(procRoot, String(pid), "fd");
    // The standard streams almost always hold the terminal; list the directory only if they do not.
    for (const fd of ["0", "1", "2"]) {
      const found = statIfTerminal(join(fdDir, fd), ttyNr);
      if (found) return found;
    }
    let fds: string[];
    try {
      fds = readdirSync(fdDir);
    } catch {
      continue;
    }
    for (const fd of fds) {
      const found = statIfTerminal(join(fdDir, fd), ttyNr);
      if (found) return found;
    }
  }
  return undefined;
}

function statIfTerminal(fdPath: string, ttyNr: number): TerminalTimes | undefined {
  try {
    const st = statSync(fdPath);
    if (!st.isCharacterDevice() || st.rdev !== ttyNr) return undefined;
    return { fdPath, atimeMs: st.atimeMs, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}

/** The /dev path a terminal fd points at (e.g. /dev/pts/3), or undefined. */
export function terminalPath(fdPath: string): string | undefined {
  try {
    return readlinkSync(fdPath);
  } catch {
    return undefined;
  }
}

/**
 * Writes a line to a terminal through a process's fd, without blocking (a stopped terminal must
 * not hang the agent) and without becoming its controlling process. Returns the terminal's times
 * right after the write, so the caller can tell its own write from the user's activity.
 */
export function writeToTerminal(fdPath: string, ttyNr: number, text: string): TerminalTimes | undefined {
  const fd = openSync(fdPath, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return statIfTerminal(fdPath, ttyNr);
}
