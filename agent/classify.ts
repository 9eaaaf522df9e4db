// Sorts a process snapshot into terminal sessions, exec sessions and processes that may be busy.
import type { ProcessInfo } from "./proc-scanner.js";

export interface ClassifyOptions {
  /** The agent's own pid: it and its descendants never count. */
  selfPid: number;
  /**
   * The agent container's cgroup (/proc/self/cgroup): everything in it never counts — the agent,
   * and anything Puck runs in the agent container to probe. Undefined on the host.
   */
  ownCgroup?: string;
  /**
   * The parent pid of session roots. In a pod with a shared process namespace it is 0: a container's
   * first process and every `kubectl exec` are started by the runtime, which lives outside the
   * namespace. PID 1 there is the pause process. Host tests set it to the test's pid.
   */
  sessionParentPid: number;
}

export interface TerminalGroup {
  /**
   * The terminal's identity: its device number within its container. Every container has its own
   * /dev/pts, numbered from 0, so pts/0 of the Sprite and pts/0 of another container (or of the
   * host, for host runs) share a device number; the cgroup tells them apart.
   */
  key: string;
  ttyNr: number;
  /** Session leader (or the earliest process on the terminal when the leader is not visible). */
  leader: ProcessInfo;
  /** The terminal's foreground process: what `w` shows as the command. */
  foreground: ProcessInfo;
  /** Processes on the terminal, leader first: any of them can reach the terminal through an fd. */
  pids: number[];
}

export interface Classified {
  terminals: TerminalGroup[];
  /** Commands started through exec without a terminal, still running. */
  execs: ProcessInfo[];
  /** Processes whose CPU use or command line may keep the Sprite awake. */
  candidates: ProcessInfo[];
  /** The main container's keep-running process, when found. */
  mainInit?: ProcessInfo;
}

export function classify(processes: ProcessInfo[], options: ClassifyOptions): Classified {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const inPod = options.sessionParentPid === 0;
  const ignoredRoots = new Set<number>([options.selfPid]);
  for (const p of processes) {
    if (p.kernelThread || (inPod && p.pid === 1)) ignoredRoots.add(p.pid);
    if (options.ownCgroup !== undefined && p.cgroup === options.ownCgroup) ignoredRoots.add(p.pid);
  }
  // The main container's keep-running shell is the oldest session root outside the agent: exec
  // sessions always start after their container. Its loop (and its `sleep`) is not activity.
  const roots = processes
    .filter((p) => p.ppid === options.sessionParentPid && !ignoredRoots.has(p.pid))
    .sort((a, b) => a.startTimeMs - b.startTimeMs || a.pid - b.pid);
  const mainInit = inPod ? roots[0] : undefined;

  const ignored = descendantsOf(ignoredRoots, processes, byPid);
  // The main container's first process is the services' supervisor (operator/sprite/services-script.ts):
  // it, its runners and their sleeps share its session and are not work. The services run in sessions
  // of their own (setsid) and follow every process's rules: busy CPU or a busy command, nothing more.
  if (mainInit) {
    for (const pid of descendantsOf(new Set([mainInit.pid]), processes, byPid)) {
      if (pid === mainInit.pid || byPid.get(pid)?.sid === mainInit.sid) ignored.add(pid);
    }
  }
  // A zombie has exited; only its parent has not reaped it yet. It is no session and no work.
  const counted = processes.filter((p) => !ignored.has(p.pid) && p.state !== "Z" && p.state !== "X");

  const byTty = new Map<string, ProcessInfo[]>();
  for (const p of counted) {
    if (p.ttyNr === 0) continue;
    const key = `${p.ttyNr}@${p.cgroup}`;
    const list = byTty.get(key) ?? [];
    list.push(p);
    byTty.set(key, list);
  }
  const terminals: TerminalGroup[] = [];
  for (const [key, list] of byTty) {
    const ttyNr = list[0]!.ttyNr;
    list.sort((a, b) => a.startTimeMs - b.startTimeMs || a.pid - b.pid);
    const leader = list.find((p) => p.pid === p.sid) ?? list[0]!;
    const foreground = list.find((p) => p.pid === p.tpgid) ?? list.find((p) => p.pid === leader.tpgid) ?? leader;
    terminals.push({ key, ttyNr, leader, foreground, pids: [leader.pid, ...list.filter((p) => p !== leader).map((p) => p.pid)] });
  }
  terminals.sort((a, b) => a.leader.startTimeMs - b.leader.startTimeMs || a.ttyNr - b.ttyNr);

  const execs = counted.filter((p) => p.ppid === options.sessionParentPid && p.ttyNr === 0 && p !== mainInit);
  return { terminals, execs, candidates: counted, ...(mainInit ? { mainInit } : {}) };
}

/** The given pids and all their descendants (reparented orphans belong to whoever adopted them). */
function descendantsOf(roots: Set<number>, processes: ProcessInfo[], byPid: Map<number, ProcessInfo>): Set<number> {
  const result = new Set<number>();
  const isIn = (pid: number, depth: number): boolean => {
    if (result.has(pid) || roots.has(pid)) return true;
    const p = byPid.get(pid);
    if (!p || depth > 64 || p.ppid === pid || p.ppid <= 0) return false;
    // PID 1 (pause in a pod) adopts orphans such as a nohup'ed make: being adopted does not make
    // them part of PID 1, so they still count.
    if (p.ppid === 1) return false;
    return isIn(p.ppid, depth + 1);
  };
  for (const p of processes) if (isIn(p.pid, 0)) result.add(p.pid);
  return result;
}
