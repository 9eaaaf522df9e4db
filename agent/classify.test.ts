import { describe, expect, it } from "vitest";
import { classify } from "./classify.js";
import { processInfo } from "./process-fixture.js";
import type { ProcessInfo } from "./proc-scanner.js";

const AGENT_CG = "0::/";
const SPRITE_CG = "0::/../cri-containerd-sprite.scope";
const PTS1 = (136 << 8) | 1;
const PTS2 = (136 << 8) | 2;

const p = (pid: number, ppid: number, cmdline: string, o: Partial<ProcessInfo> = {}): ProcessInfo =>
  processInfo(pid, cmdline, { ppid, uid: 0, startTimeMs: pid * 1000, cgroup: SPRITE_CG, ...o });

/** A Sprite pod as the agent sees it with a shared process namespace. */
const pod: ProcessInfo[] = [
  p(1, 0, "/pause", { cgroup: "0::/../cri-containerd-pause.scope" }),
  p(7, 0, "/bin/sh -c trap exit TERM; while :; do sleep 3600 & wait; done", { sid: 7 }),
  p(8, 7, "sleep 3600", { sid: 7 }),
  p(9, 7, "/bin/sh -c trap exit TERM; while :; do sleep 3600 & wait; done", { sid: 7 }), // a service's runner
  p(10, 9, "python3 -m http.server", { sid: 10 }), // the service, in its own session (setsid)
  p(11, 10, "cc1 big.c", { sid: 10 }),
  p(12, 0, "node /app/agent.js", { cgroup: AGENT_CG }),
  p(20, 0, "bash", { ttyNr: PTS1, tpgid: 25 }), // kubectl exec -it
  p(25, 20, "vim notes.txt", { sid: 20, ttyNr: PTS1, tpgid: 25 }),
  p(30, 0, "tar czf /tmp/x.tgz /home"), // kubectl exec without -t
  p(31, 30, "gzip"),
  p(40, 1, "make -j2"), // nohup'ed, adopted by pause
  p(50, 0, "sh -c cat /proc/loadavg", { cgroup: AGENT_CG }), // a probe run in the agent container
  p(60, 0, "tmux new", { ttyNr: PTS2, tpgid: 60, uid: 1000 }),
];

describe("classify in a pod", () => {
  const c = classify(pod, { selfPid: 12, ownCgroup: AGENT_CG, sessionParentPid: 0 });
  const cases: { name: string; check: () => void }[] = [
    { name: "the main container's keep-running shell is found as the oldest root outside the agent", check: () => expect(c.mainInit?.pid).toBe(7) },
    { name: "pause, the keep-running shell and its sleep never count", check: () => expect(c.candidates.some((x) => x.pid === 1)).toBe(false) },
    { name: "the keep-running shell's sleep is not a candidate", check: () => expect(c.candidates.some((x) => x.pid === 7 || x.pid === 8)).toBe(false) },
    {
      name: "a service and its children are candidates like any process (busy CPU counts), its runner is not; neither is a session",
      check: () => {
        expect(c.candidates.map((x) => x.pid).filter((pid) => pid >= 9 && pid <= 11)).toEqual([10, 11]);
        expect(c.execs.some((x) => x.pid === 10) || c.terminals.some((t) => t.pids.includes(10))).toBe(false);
      },
    },
    { name: "the agent's own container never counts, probes included", check: () => expect(c.candidates.some((x) => x.pid === 12 || x.pid === 50)).toBe(false) },
    { name: "an exec without a terminal is an exec session; its children are not", check: () => expect(c.execs.map((x) => x.pid)).toEqual([30]) },
    { name: "a nohup'ed job adopted by pause may be busy but is not a session", check: () => expect(c.candidates.some((x) => x.pid === 40) && !c.execs.some((x) => x.pid === 40)).toBe(true) },
    {
      name: "each terminal is one session with its leader and foreground command",
      check: () =>
        expect(c.terminals.map((t) => ({ tty: t.ttyNr, leader: t.leader.pid, fg: t.foreground.cmdline, pids: t.pids }))).toEqual([
          { tty: PTS1, leader: 20, fg: "vim notes.txt", pids: [20, 25] },
          { tty: PTS2, leader: 60, fg: "tmux new", pids: [60] },
        ]),
    },
  ];
  for (const k of cases) it(k.name, k.check);
});

describe("classify terminals of different containers", () => {
  it("keeps pts/1 of two containers apart: each has its own /dev/pts", () => {
    const other = "0::/../cri-containerd-other.scope";
    const c = classify([p(5, 0, "/bin/sh -c loop"), p(10, 0, "sh", { ttyNr: PTS1 }), p(11, 0, "bash", { ttyNr: PTS1, cgroup: other })], { selfPid: 99, ownCgroup: AGENT_CG, sessionParentPid: 0 });
    expect(c.terminals.map((t) => t.leader.pid).sort()).toEqual([10, 11]);
  });
});

describe("classify on a host", () => {
  it("takes children of the given parent as session roots and ignores the agent's own tree", () => {
    const host = [p(100, 1, "vitest"), p(101, 100, "node agent.js"), p(102, 101, "getconf CLK_TCK"), p(103, 100, "sleep 5"), p(104, 100, "sh", { ttyNr: PTS1 })];
    const c = classify(host, { selfPid: 101, sessionParentPid: 100 });
    expect(c.mainInit).toBeUndefined();
    expect(c.execs.map((x) => x.pid)).toEqual([103]);
    expect(c.terminals.map((t) => t.leader.pid)).toEqual([104]);
    expect(c.candidates.map((x) => x.pid)).toEqual([100, 103, 104]);
  });

  it("skips zombies: exited, only not reaped yet", () => {
    const c = classify([p(100, 1, "vitest"), p(103, 100, "sh", { state: "Z" })], { selfPid: 1, sessionParentPid: 100 });
    expect(c.execs).toEqual([]);
    expect(c.candidates.map((x) => x.pid)).toEqual([100]);
  });

  it("skips kernel threads", () => {
    const c = classify([p(2, 0, "[kthreadd]", { kernelThread: true }), p(3, 2, "[kworker]", { kernelThread: true })], { selfPid: 999, sessionParentPid: 5 });
    expect(c.candidates).toEqual([]);
  });
});
