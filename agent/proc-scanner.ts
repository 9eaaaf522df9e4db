// Reads the process table from a /proc directory: one snapshot of every visible process per scan.
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Session id (the pid of the session leader). */
  sid: number;
  /** Controlling terminal as the kernel encodes it in /proc/<pid>/stat; 0 without one. */
  ttyNr: number;
  /** Foreground process group of the controlling terminal; -1 without one. */
  tpgid: number;
  comm: string;
  /** R, S, D, Z (zombie: exited, not yet reaped), ... */
  state: string;
  /** NUL-separated argv joined with spaces; the comm in brackets when empty (kernel threads, zombies). */
  cmdline: string;
  uid: number;
  /** User plus system CPU time used so far, in clock ticks. */
  cpuTicks: number;
  /**
   * CPU time of the children this process has waited for, in clock ticks. Work done in many
   * short-lived processes (a shell loop forking `date`, make running one compiler after another)
   * lands here when the parent reaps them: no scan ever sees those children running.
   */
  reapedChildCpuTicks: number;
  /** Start time in milliseconds since the epoch. */
  startTimeMs: number;
  kernelThread: boolean;
  /** The /proc/<pid>/cgroup text: tells which container a process belongs to. */
  cgroup: string;
}

/** The kernel's USER_HZ: fixed at 100 on every Linux architecture's user ABI. */
export const CLOCK_TICKS_PER_SECOND = 100;
const PF_KTHREAD = 0x00200000;
const MAX_CMDLINE = 256;
/** runc's own stages, as it names them for `ps`: runc:[0:PARENT], runc:[1:CHILD], runc:[2:INIT]. */
const RUNTIME_SETUP = /^runc:\[\d:[A-Z]+\]$/;

interface Cached {
  startTicks: number;
  comm: string;
  cmdline: string;
  uid: number;
  cgroup: string;
  /** The last full reading. */
  info?: ProcessInfo;
  /** The command line was empty when read (and the process is no kernel thread). */
  cmdlinePending: boolean;
}

export interface ProcScanner {
  /**
   * Lists the processes alive now; ones that vanish or deny access mid-scan are skipped. With
   * `refresh: false` only new processes are read, known ones keep their last reading: listing the
   * directory alone tells which processes started and ended, which is what sessions need at once.
   */
  scan(options?: { refresh?: boolean }): ProcessInfo[];
}

/**
 * Makes a scanner over `procRoot` (/proc, or a fake one in a test). A refreshing scan reads each
 * process's `stat`; the command line, uid and cgroup are cached per (pid, start time) and re-read
 * when the process execs (its comm changes), which keeps 200 processes cheap to scan.
 */
export function createProcScanner(options: { procRoot?: string } = {}): ProcScanner {
  const procRoot = options.procRoot ?? "/proc";
  const bootTimeMs = readBootTimeMs(procRoot);
  const cache = new Map<number, Cached>();

  return {
    scan({ refresh = true } = {}) {
      const seen = new Set<number>();
      const processes: ProcessInfo[] = [];
      for (const name of readdirSync(procRoot)) {
        const pid = Number(name);
        if (!Number.isInteger(pid) || pid <= 0) continue;
        const cached = cache.get(pid);
        // A process caught between fork and exec (a runtime starting an exec) has no command line
        // yet: read it again at the next scan instead of keeping "[comm]".
        const known = refresh || cached?.cmdlinePending ? undefined : cached?.info;
        const info = known ?? readProcess(procRoot, pid, bootTimeMs, cache);
        if (!info) continue;
        seen.add(pid);
        processes.push(info);
      }
      for (const pid of cache.keys()) if (!seen.has(pid)) cache.delete(pid);
      return processes;
    },
  };
}

// One buffer for every stat read: open + read + close, no fstat and no new buffer per process.
const statBuffer = Buffer.alloc(1024);

function readStat(path: string): string {
  const fd = openSync(path, "r");
  try {
    const n = readSync(fd, statBuffer, 0, statBuffer.length, 0);
    return statBuffer.toString("utf8", 0, n);
  } finally {
    closeSync(fd);
  }
}

function readProcess(procRoot: string, pid: number, bootTimeMs: number, cache: Map<number, Cached>): ProcessInfo | undefined {
  const dir = join(procRoot, String(pid));
  let statText: string;
  try {
    statText = readStat(join(dir, "stat"));
  } catch {
    return undefined; // exited since readdir, or hidden from us
  }
  const stat = parseStat(statText);
  if (!stat) return undefined;
  // The runtime still setting up a container or an exec in it (`runc init`, its comm "runc:[2:INIT]"):
  // not yet the program it is about to become. Counted now, a shell opened by `kubectl exec -t` would
  // be reported as an exec session named "runc init", and its becoming a terminal, the same count of
  // sessions, would wait for the next heartbeat. Left out (and uncached), it is read anew next scan.
  if (RUNTIME_SETUP.test(stat.comm)) return undefined;
  let cached = cache.get(pid);
  if (!cached || cached.startTicks !== stat.startTicks || cached.comm !== stat.comm || cached.cmdlinePending) {
    try {
      const cmdline = readCmdline(dir);
      cached = {
        startTicks: stat.startTicks,
        comm: stat.comm,
        cmdline: cmdline || `[${stat.comm}]`,
        cmdlinePending: cmdline === "" && (stat.flags & PF_KTHREAD) === 0,
        uid: statSync(dir).uid,
        cgroup: readOptional(join(dir, "cgroup")).trim(),
      };
    } catch {
      return undefined;
    }
    cache.set(pid, cached);
  }
  cached.info = {
    pid,
    ppid: stat.ppid,
    sid: stat.sid,
    ttyNr: stat.ttyNr,
    tpgid: stat.tpgid,
    comm: stat.comm,
    state: stat.state,
    cmdline: cached.cmdline,
    uid: cached.uid,
    cpuTicks: stat.utime + stat.stime,
    reapedChildCpuTicks: stat.cutime + stat.cstime,
    startTimeMs: bootTimeMs + (stat.startTicks * 1000) / CLOCK_TICKS_PER_SECOND,
    kernelThread: (stat.flags & PF_KTHREAD) !== 0,
    cgroup: cached.cgroup,
  };
  return cached.info;
}

export interface StatFields {
  comm: string;
  state: string;
  ppid: number;
  sid: number;
  ttyNr: number;
  tpgid: number;
  flags: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
  startTicks: number;
}

/** Parses /proc/<pid>/stat. The comm may hold spaces and parentheses, so fields count from the last ')'. */
export function parseStat(text: string): StatFields | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const f = text.slice(close + 2).trim().split(" ");
  if (f.length < 20) return undefined;
  const n = (i: number) => Number(f[i]);
  return {
    comm: text.slice(open + 1, close),
    state: f[0] ?? "?",
    ppid: n(1),
    sid: n(3),
    ttyNr: n(4),
    tpgid: n(5),
    flags: n(6),
    utime: n(11),
    stime: n(12),
    cutime: n(13),
    cstime: n(14),
    startTicks: n(19),
  };
}

/** The command line, or "" when the process has none (a kernel thread, a zombie, or not execed yet). */
function readCmdline(dir: string): string {
  const raw = readOptional(join(dir, "cmdline"));
  return raw.replace(/\0+$/, "").replaceAll("\0", " ").trim().slice(0, MAX_CMDLINE);
}

function readOptional(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function readBootTimeMs(procRoot: string): number {
  const text = readOptional(join(procRoot, "stat"));
  const match = /^btime (\d+)$/m.exec(text);
  if (!match) throw new Error(`read boot time: no btime line in ${join(procRoot, "stat")}`);
  return Number(match[1]) * 1000;
}

/** The terminal name of a tty_nr, as `ps` shows it: pts/N for pseudo-terminals, ttyN for consoles. */
export function ttyName(ttyNr: number): string {
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4 && minor < 64) return `tty${minor}`;
  if (major === 4) return `ttyS${minor - 64}`;
  return `tty(${major},${minor})`;
}
