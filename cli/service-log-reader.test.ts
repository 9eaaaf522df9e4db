// puck logs' reader run for real on dash and on busybox (its sh and its tools), on a temp folder
// standing in for ~/.puck/log: the last lines across a rotation, --since by the index, followed output.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { logReaderCommand, type LogRead } from "./service-log-reader.js";

const base = mkdtempSync(join(tmpdir(), "puck-logs-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

// Busybox's sh runs the tools it finds on PATH: a folder of busybox applets first makes them its own.
const busyboxBin = join(base, "busybox-bin");
mkdirSync(busyboxBin);
for (const tool of ["sh", "tail", "head", "wc", "awk", "date", "cat", "kill"]) symlinkSync("/usr/bin/busybox", join(busyboxBin, tool));
const SHELLS = { dash: { sh: "/usr/bin/dash", path: process.env.PATH ?? "/usr/bin:/bin" }, busybox: { sh: join(busyboxBin, "sh"), path: `${busyboxBin}:${process.env.PATH ?? "/usr/bin:/bin"}` } };

const now = () => Math.floor(Date.now() / 1000);
let folders = 0;
/** A log folder: each file's text, and each index as [seconds ago, size] notes. */
function logFolder(files: Record<string, string | Array<[number, number]>>): string {
  const dir = join(base, `log-${folders++}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === "string" ? content : content.map(([ago, size]) => `${now() - ago} ${size}\n`).join(""));
  }
  return dir;
}

function read(shell: keyof typeof SHELLS, dir: string, what: LogRead) {
  const [, flag, script, ...args] = logReaderCommand(what);
  const out = spawnSync(SHELLS[shell].sh, [flag!, script!, ...args], { env: { PATH: SHELLS[shell].path, PUCK_SERVICES_LOG: dir }, encoding: "utf8", timeout: 10_000 });
  return { stdout: out.stdout, stderr: out.stderr, status: out.status };
}

// web.log.1: three old lines, written an hour ago; web.log began 10 minutes ago, had "mid" 5 minutes ago, then "new".
const rotated = () =>
  logFolder({
    "web.log.1": "old1\nold2\nold3\n",
    "web.log.1.idx": [[3700, 0], [3600, 15]],
    "web.log": "mid\nnew\n",
    "web.log.idx": [[600, 0], [300, 4]],
    "db.log": "ready\n",
  });

describe.each(Object.keys(SHELLS) as Array<keyof typeof SHELLS>)("puck logs' reader on %s", (shell) => {
  it("the last lines of a service, its rotated half first when it asks more than the current holds", () => {
    expect(read(shell, rotated(), { service: "web", lines: 3, follow: false }).stdout).toBe("old3\nmid\nnew\n");
    expect(read(shell, rotated(), { service: "web", lines: 1, follow: false }).stdout).toBe("new\n");
    expect(read(shell, rotated(), { service: "web", follow: false }).stdout).toBe("old1\nold2\nold3\nmid\nnew\n");
  });

  it("--since: from the size noted last at or before that time, through the rotation when it is older", () => {
    const dir = rotated();
    expect(read(shell, dir, { service: "web", sinceSeconds: 200, follow: false }).stdout).toBe("new\n");
    // 400 s ago the log was noted empty (600 s ago): "mid" may be younger, so it is shown.
    expect(read(shell, dir, { service: "web", sinceSeconds: 400, follow: false }).stdout).toBe("mid\nnew\n");
    expect(read(shell, dir, { service: "web", sinceSeconds: 3650, follow: false }).stdout).toBe("old1\nold2\nold3\nmid\nnew\n");
    // With --tail as well: the last lines of what --since found.
    expect(read(shell, dir, { service: "web", sinceSeconds: 200, lines: 5, follow: false }).stdout).toBe("new\n");
  });

  it("a log with no index yet (no note before it began) is shown whole", () => {
    expect(read(shell, logFolder({ "a.log": "x\ny\n" }), { service: "a", sinceSeconds: 5, follow: false }).stdout).toBe("x\ny\n");
  });

  it("every service's log under tail's header", () => {
    const dir = rotated();
    expect(read(shell, dir, { lines: 1, follow: false }).stdout).toBe(`==> ${dir}/db.log <==\nready\n\n==> ${dir}/web.log <==\nnew\n`);
  });

  it("a service with no log: one line on stderr and a failure", () => {
    const dir = rotated();
    expect(read(shell, dir, { service: "nope", lines: 5, follow: false })).toMatchObject({ status: 1, stdout: "", stderr: `no log for service nope (${dir}/nope.log)\n` });
    expect(read(shell, logFolder({}), { follow: false })).toMatchObject({ status: 1, stderr: expect.stringMatching(/^no service has written a log yet/) });
  });

  it("-f goes on from where it printed, each line once, and ends when its stdin does", async () => {
    const dir = rotated();
    const [, flag, script, ...args] = logReaderCommand({ service: "web", lines: 1, follow: true });
    const child = spawn(SHELLS[shell].sh, [flag!, script!, ...args], { env: { PATH: SHELLS[shell].path, PUCK_SERVICES_LOG: dir }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    const until = async (what: string, check: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; printed ${JSON.stringify(out)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await until("the last line", () => out === "new\n");
    appendFileSync(join(dir, "web.log"), "later\n");
    await until("the appended line", () => out === "new\nlater\n");
    child.stdin.end();
    expect(await exited).toBe(0);
    expect(out).toBe("new\nlater\n");
  });
});
