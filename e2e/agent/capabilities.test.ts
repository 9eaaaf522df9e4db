// Proves which capabilities the agent needs, with real processes and setpriv: it reaches a
// session's terminal through /proc/<pid>/fd (stat for activity, open for the warning). It needs root
// and setpriv but no cluster, so it runs with the host tests (npm test runs them as root), not with
// the unit tests.
// @needs: host
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, readlinkSync } from "node:fs";
import * as pty from "node-pty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../lib/wait.js";

const NOBODY = 65534;
const TTY_GID = 5; // the group runc gives a container's /dev/pts (devpts mounted with gid=5,mode=620)

/** Runs as uid 0 with only `caps` (and gid `gid`) and tries to stat and to open for writing /proc/<pid>/fd/0. */
function probe(pid: number, caps: string[], gid = 0): { read: string; write: string } {
  const script = `
    const fs = require("fs");
    const path = "/proc/${pid}/fd/0";
    const attempt = (f) => { try { f(); return "ok"; } catch (e) { return e.code; } };
    const read = attempt(() => fs.statSync(path));
    const write = attempt(() => fs.closeSync(fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK)));
    console.log(JSON.stringify({ read, write }));`;
  const bounding = ["-all", ...caps.map((c) => `+${c}`)].join(",");
  const r = spawnSync("setpriv", ["--reuid", "0", `--regid=${gid}`, "--clear-groups", `--bounding-set=${bounding}`, `--inh-caps=${bounding}`, process.execPath, "-e", script], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`setpriv probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { read: string; write: string };
}

describe("capabilities the agent needs (run as root with setpriv)", () => {
  let rootSession: pty.IPty;
  let userSession: pty.IPty;
  beforeAll(async () => {
    expect(process.getuid?.(), "these tests drop capabilities from root: run them as root").toBe(0);
    // A root shell with every capability (like a Sprite's main container process, which has more
    // capabilities than the agent), and a shell of another user on a terminal it owns.
    rootSession = pty.spawn("sh", [], { env: { PATH: process.env.PATH ?? "" } });
    userSession = pty.spawn("sh", [], { env: { PATH: process.env.PATH ?? "" }, uid: NOBODY, gid: NOBODY });
    // Until node-pty's child has execed, its fd 0 is still a socket: wait for the terminal.
    const onTerminal = (pid: number) => waitFor(() => {
      const link = readlinkSync(`/proc/${pid}/fd/0`);
      return link.startsWith("/dev/pts/") ? link : undefined;
    }, { what: `process ${pid} on a terminal`, timeoutMs: 5000, intervalMs: 20 });
    await onTerminal(rootSession.pid);
    const userTty = await onTerminal(userSession.pid);
    chownSync(userTty, NOBODY, TTY_GID);
    chmodSync(userTty, 0o620);
  });
  afterAll(() => {
    rootSession?.kill();
    userSession?.kill();
  });

  const cases: { name: string; target: () => number; caps: string[]; gid?: number; want: { read: string; write: string } }[] = [
    { name: "without capabilities, a root process with more capabilities is out of reach", target: () => rootSession.pid, caps: [], want: { read: "EACCES", write: "EACCES" } },
    { name: "SYS_PTRACE reaches a root process with more capabilities", target: () => rootSession.pid, caps: ["sys_ptrace"], want: { read: "ok", write: "ok" } },
    { name: "DAC_READ_SEARCH alone does not: following the fd needs ptrace access", target: () => rootSession.pid, caps: ["dac_read_search"], want: { read: "EACCES", write: "EACCES" } },
    { name: "SYS_PTRACE alone cannot search another user's /proc/<pid>/fd (mode 0500)", target: () => userSession.pid, caps: ["sys_ptrace"], want: { read: "EACCES", write: "EACCES" } },
    { name: "DAC_READ_SEARCH alone cannot follow another user's fd", target: () => userSession.pid, caps: ["dac_read_search"], want: { read: "EACCES", write: "EACCES" } },
    { name: "SYS_PTRACE and DAC_READ_SEARCH read another user's terminal, but may not write to it", target: () => userSession.pid, caps: ["sys_ptrace", "dac_read_search"], want: { read: "ok", write: "EACCES" } },
    {
      name: "with group tty as well, the warning can be written to another user's terminal, without DAC_OVERRIDE",
      target: () => userSession.pid,
      caps: ["sys_ptrace", "dac_read_search"],
      gid: TTY_GID,
      want: { read: "ok", write: "ok" },
    },
  ];
  for (const c of cases) it(c.name, () => expect(probe(c.target(), c.caps, c.gid)).toEqual(c.want));
});
