// puck end to end, with the real operator: create, list, connect (pipes and a real terminal), top,
// keepawake, describe, failures to start, delete. Run: npm run test:cluster -- e2e/cli/sprites
// @needs: cluster-alongside
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import * as pty from "node-pty";
import { kubeconfigPath, kubectl } from "../lib/cluster.js";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { PUCK, puck, puckInTerminal, stripAnsi } from "../lib/puck-cli.js";
import { readSprite } from "../lib/sprites.js";
import { waitFor } from "../lib/wait.js";
import { run as runProgram } from "../lib/exec.js";

const ns = useOperatorNamespace("cli");
const terminals = ns.terminals;
// -n goes first: anything after `--` belongs to the remote command.
const run = (args: string[], options: Parameters<typeof puck>[1] = {}) => puck(["-n", ns.name, ...args], options);
const term = (args: string[], options: Parameters<typeof puckInTerminal>[1] = {}) => {
  const t = puckInTerminal(["-n", ns.name, ...args], options);
  terminals.push(t);
  return t;
};
const sprite = (name: string) => readSprite(ns.name, name);
const podCount = async () => (await kubectl(["get", "pods", "-n", ns.name, "-o", "name"])).stdout.trim().split("\n").filter(Boolean).length;

async function hibernated(name: string) {
  await waitFor(async () => (await sprite(name)).status?.phase === "Hibernating" && (await podCount()) === 0, {
    what: `Sprite ${name} hibernated with no pod`,
    timeoutMs: 90_000,
    describe: async () => (await kubectl(["get", "sprites,pods", "-n", ns.name])).stdout,
  });
}

describe("puck with the operator", () => {
  it("create waits until the Sprite is Active and writes every flag into the spec", async () => {
    const result = await run(["create", "box", "--idle-timeout", "2h", "--memory", "64Mi", "--storage", "1Gi"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Created Sprite box/);
    expect(result.stderr).toMatch(/Sprite box is Active/);
    const box = await sprite("box");
    expect(box.spec).toMatchObject({ image: "puck-sprite:dev", idleTimeoutMinutes: 120, storageSize: "1Gi", resources: { requests: { memory: "64Mi" } } });
    expect(box.status?.phase).toBe("Active");
  });

  it("create asks for what is missing on a terminal, and list -w shows it arrive", async () => {
    const watch = spawn(process.execPath, [PUCK, "-n", ns.name, "list", "-w"], { env: { ...process.env, KUBECONFIG: kubeconfigPath() } });
    let watched = "";
    watch.stdout.on("data", (d: Buffer) => (watched += d.toString()));
    try {
      await waitFor(() => /^box\s+Active/m.test(watched), { what: "list -w to print the table", timeoutMs: 20_000, describe: () => watched });
      const t = term(["create", "--no-wait"]);
      await t.waitForText(/Name/, 20_000, "the name question");
      t.write("asked\r");
      await t.waitForText(/Image/, 10_000, "the image question");
      t.write("\r");
      await t.waitForText(/Home volume size/, 10_000, "the size question");
      // Typing replaces the offered default.
      t.write("2Gi\r");
      await t.waitForText(/Hibernate after/, 10_000, "the idle question");
      t.write("\r");
      expect(await t.exited(30_000)).toBe(0);
      expect(t.text()).toMatch(/Created Sprite asked/);
      expect((await sprite("asked")).spec).toMatchObject({ image: "puck-sprite:dev", storageSize: "2Gi", idleTimeoutMinutes: 30 });
      await waitFor(() => /^asked\s+\w+/m.test(watched), { what: "list -w to print the new Sprite", timeoutMs: 20_000, describe: () => watched });
    } finally {
      watch.kill("SIGINT");
    }
    expect((await run(["delete", "asked"])).code).toBe(0);
  });

  it("create refuses a duplicate name with a fix", async () => {
    const result = await run(["create", "box", "--no-wait"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: create Sprite box: .*already exists\nhint: pick another name/);
  });

  it("list shows phase, sessions and countdown; -o json and wide; colour only on a terminal", async () => {
    const table = await run(["list"]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+PHASE\s+SESSIONS\s+LAST-ACTIVE\s+HIBERNATES-IN\s+AGE$/);
    expect(table.stdout).toMatch(/^box\s+Active\s+\d+\s+\S+\s+(\d+h\d*m?|1\d\dm|\(\w+\))\s+\d+s/m);
    expect(table.stdout).not.toContain("\x1b[");
    const json = JSON.parse((await run(["list", "-o", "json"])).stdout);
    expect(json.items.map((s: { metadata: { name: string } }) => s.metadata.name)).toEqual(["box"]);
    expect((await run(["list", "-o", "wide"])).stdout).toMatch(/box\s+Active.*puck-sprite:dev\s+1Gi\s+(\S+\/\S+ \(\d+%\)|-)\s+box-0/);
    const everywhere = await run(["list", "-A"]);
    expect(everywhere.stdout.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+PHASE/);
    expect(everywhere.stdout).toMatch(new RegExp(`^${ns.name}\\s+box\\s+Active`, "m"));
    const colour = term(["list"]);
    expect(await colour.exited()).toBe(0);
    expect(colour.output()).toContain("\x1b[32mActive");
    const plain = term(["list"], { env: { NO_COLOR: "1" } });
    expect(await plain.exited()).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(plain.output()).not.toMatch(/\x1b\[3\dm/);
  });

  it("list -A -w -o name names a Sprite that arrives as namespace/name, like the first listing", async () => {
    const watch = spawn(process.execPath, [PUCK, "list", "-A", "-w", "-o", "name"], { env: { ...process.env, KUBECONFIG: kubeconfigPath() } });
    let watched = "";
    watch.stdout.on("data", (d: Buffer) => (watched += d.toString()));
    try {
      await waitFor(() => watched.includes(`${ns.name}/box\n`), { what: "the first listing", timeoutMs: 20_000, describe: () => watched });
      expect((await run(["create", "named", "--no-wait"])).code).toBe(0);
      await waitFor(() => watched.includes(`${ns.name}/named\n`), { what: "the new Sprite as namespace/name", timeoutMs: 20_000, describe: () => watched });
      expect(watched).not.toMatch(/^named$/m);
    } finally {
      watch.kill("SIGINT");
    }
    expect((await run(["delete", "named"])).code).toBe(0);
  });

  it("-- CMD streams stdout and stderr separately and passes the exit code through", async () => {
    const result = await run(["connect", "box", "--", "sh", "-c", "echo to-out; echo to-err >&2; exit 5"]);
    expect(result.code).toBe(5);
    expect(result.stdout).toBe("to-out\n");
    expect(result.stderr).toContain("to-err");
    expect(result.stderr).not.toContain("to-out");
    const piped = await run(["connect", "box", "--", "cat"], { input: "through stdin\n" });
    expect(piped).toMatchObject({ code: 0, stdout: "through stdin\n" });
    const missing = await run(["connect", "box", "--", "no-such-command"]);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/^error: .*executable file not found/);
  });

  it("-- CMD has no terminal unless -t", async () => {
    expect((await run(["connect", "box", "--", "sh", "-c", "test -t 0 && echo tty || echo notty"])).stdout).toBe("notty\n");
    const t = term(["connect", "box", "-t", "--", "sh", "-c", "test -t 0 && echo tty || echo notty"]);
    expect(await t.exited(60_000)).toBe(0);
    expect(t.text()).toMatch(/\btty\b/);
    expect(t.text()).not.toMatch(/notty/);
  });

  it("connect wakes a hibernated Sprite with progress, then a login shell: typing, resize, Ctrl-C, exit code", async () => {
    const hib = await run(["hibernate", "box", "--yes"]);
    expect(hib.code, hib.stderr).toBe(0);
    await hibernated("box");

    const t = term(["connect", "box"], { columns: 100, rows: 30 });
    await t.waitForText(/Waking box/, 30_000, "wake progress");
    await t.waitForText(/Sprite box is awake/, 120_000, "the Sprite awake");
    t.write("echo $((6*7)) in $(pwd)\r");
    await t.waitForText(/42 in \/home\/sprite/, 30_000, "the shell's answer");

    await t.resizeAndConfirm(120, 40, { what: "the new window size inside", timeoutMs: 30_000, intervalMs: 1_000, describe: () => t.text().slice(-600) });

    // Ctrl-C goes to the remote: it stops `sleep`, not puck.
    t.write("sleep 300; echo after-sleep\r");
    await waitFor(async () => (await run(["connect", "box", "--", "sh", "-c", "pgrep -x sleep >/dev/null && echo yes || echo no"])).stdout === "yes\n", {
      what: "sleep running in the Sprite",
      timeoutMs: 30_000,
    });
    t.write("\x03");
    t.write("echo still-here\r");
    await t.waitForText(/still-here\s*\r?\n/, 30_000, "the shell after Ctrl-C");
    // The typed line echoes "echo after-sleep"; its output, a line of its own, must never come.
    expect(t.text()).not.toMatch(/^after-sleep\s*$/m);

    t.write("exit 3\r");
    expect(await t.exited(30_000)).toBe(3);
  });

  it("RBAC: a user who may wake Sprites but not exec into pods is told which permission is missing", async () => {
    await kubectl(["create", "serviceaccount", "waker", "-n", ns.name]);
    await kubectl(["create", "role", "waker", "-n", ns.name, "--verb=get,list,watch,patch", "--resource=sprites.puck.sandwich.labs,events"]);
    await kubectl(["create", "rolebinding", "waker", "-n", ns.name, "--role=waker", `--serviceaccount=${ns.name}:waker`]);
    const token = (await kubectl(["create", "token", "waker", "-n", ns.name, "--duration", "10m"])).stdout.trim();
    const config = parse(readFileSync(kubeconfigPath(), "utf8"));
    config.users[0].user = { token };
    const file = join(mkdtempSync(join(tmpdir(), "puck-rbac-")), "kubeconfig");
    writeFileSync(file, stringify(config));
    const result = await run(["--kubeconfig", file, "connect", "box", "--", "true"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^error: not allowed to exec into pods in namespace ${ns.name}\nhint: .*pods/exec`));
    expect(result.stderr).not.toContain(token);
  });

  it("the terminal is restored when puck is killed mid-session", async () => {
    // A shell in a real terminal runs puck, then reports its terminal's mode once puck is gone.
    const shell = pty.spawn("sh", ["-c", `"${process.execPath}" "${PUCK}" -n ${ns.name} connect box; echo "mode after: $(stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon') $(stty -a | tr ' ' '\\n' | grep -x -- '-\\?echo')"`], {
      name: "xterm",
      cols: 100,
      rows: 30,
      env: { ...(process.env as Record<string, string>), KUBECONFIG: kubeconfigPath() },
    });
    let screen = "";
    shell.onData((d) => (screen += d));
    try {
      await waitFor(() => /@box-0|[$#] $/.test(stripAnsi(screen)), { what: "the shell prompt", timeoutMs: 120_000, describe: () => stripAnsi(screen) });
      shell.write("echo in-session\r");
      await waitFor(() => /in-session\s*\r?\n/.test(screen), { what: "the remote shell", timeoutMs: 30_000, describe: () => stripAnsi(screen) });
      // puck is the shell's only child; signal it by its pid, as a user's `kill` would.
      const child = (await runProgram("pgrep", ["-P", String(shell.pid)])).stdout.trim();
      expect(child).toMatch(/^\d+$/);
      process.kill(Number(child), "SIGTERM");
      await waitFor(() => /mode after: (-?icanon) (-?echo)/.test(screen), { what: "the mode report", timeoutMs: 30_000, describe: () => stripAnsi(screen) });
      expect(/mode after: (-?icanon) (-?echo)/.exec(screen)?.slice(1)).toEqual(["icanon", "echo"]);
    } finally {
      shell.kill();
    }
  });

  it("top renders every Sprite and quits on q; one-shot on a pipe", async () => {
    const t = term(["top"], { columns: 120, rows: 30 });
    await t.waitForText(new RegExp(`puck top · namespace ${ns.name}`), 30_000);
    await t.waitForText(/box\s+Active/, 30_000);
    await t.waitForText(/q or Ctrl-C to quit/, 10_000);
    t.write("q");
    expect(await t.exited(10_000)).toBe(0);
    // The alternate screen is left and the cursor shown again.
    expect(t.output().lastIndexOf("\x1b[?1049l")).toBeGreaterThan(t.output().lastIndexOf("\x1b[?1049h"));

    const ctrlC = term(["top"]);
    await ctrlC.waitForText(/box\s+Active/, 30_000);
    ctrlC.write("\x03");
    expect(await ctrlC.exited(10_000)).toBe(0);

    const once = await run(["top"]);
    expect(once.code).toBe(0);
    expect(once.stdout).toMatch(/^puck top · namespace/);
    expect(once.stdout).toMatch(/^box\s+Active\s+\d+\s+\S+\s+\S+/m);
    expect(once.stdout).not.toContain("\x1b[");
  });

  it("keepawake writes and clears spec.keepAwakeUntil", async () => {
    const on = await run(["keepawake", "box", "--for", "2h"]);
    expect(on.code, on.stderr).toBe(0);
    const until = Date.parse((await sprite("box")).spec.keepAwakeUntil ?? "");
    expect(until - Date.now()).toBeGreaterThan(119 * 60_000);
    expect(until - Date.now()).toBeLessThan(121 * 60_000);
    expect((await run(["keepawake", "box", "--off"])).code).toBe(0);
    expect((await sprite("box")).spec.keepAwakeUntil).toBeUndefined();
  });

  it("describe shows spec, status, conditions, why it is awake, and events", async () => {
    const result = await run(["describe", "box"]);
    expect(result.code).toBe(0);
    for (const pattern of [/Image:\s+puck-sprite:dev/, /Phase:\s+Active/, /Reason:\s+\w+/, /Hibernates:\s+\S/, /Ready\s+True\s+PodReady/, /Events:\n\s+AGE/, /pod\/box-0/]) {
      expect(result.stdout).toMatch(pattern);
    }
  });

  it("a Sprite whose image cannot be pulled fails fast, saying so", async () => {
    const result = await run(["create", "broken", "--image", "puck-no-such-image:dev", "--timeout", "3m"], { timeoutMs: 200_000 });
    expect(result.code, result.stderr).toBe(3);
    const lines = stripAnsi(result.stderr).trimEnd().split("\n");
    const error = lines.find((l) => l.startsWith("error: "));
    expect(error).toMatch(/Sprite "broken" failed to start: .*(ImagePull|ErrImage|pull)/i);
    expect(lines[lines.length - 1]).toMatch(/^hint: check the image/);
  });

  it("a Sprite that cannot be scheduled fails fast, saying so", async () => {
    const result = await run(["create", "huge", "--cpu", "500", "--timeout", "3m"], { timeoutMs: 200_000 });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/Sprite "huge" failed to start: .*(Unschedulable|Insufficient cpu|nodes are available)/);
    expect(result.stderr).toMatch(/hint: no node can run it/);
  });

  it("hibernate asks before stopping a session; without a terminal it needs --yes", async () => {
    const shell = term(["connect", "box"]);
    await shell.waitForText(/Sprite box is awake|\$ |# /, 120_000);
    shell.write("echo session-open\r");
    await shell.waitForText(/session-open\s*\r?\n/, 30_000);
    await waitFor(async () => ((await sprite("box")).status?.activeSessions ?? 0) > 0, {
      what: "the agent to report the session",
      timeoutMs: 60_000,
      describe: async () => (await sprite("box")).status,
    });
    const requestedBefore = (await sprite("box")).spec.hibernateRequestedAt;
    const refused = await run(["hibernate", "box"]);
    expect(refused.code).toBe(2);
    // The shell of the session killed in an earlier test may still be open (a dropped exec stream does
    // not always hang it up) and counts until the idle timeout, so the count is at least ours.
    expect(refused.stderr).toMatch(/^error: Sprite box has [1-9]\d* active sessions?(?: and \d+ busy process(?:es)?)?; hibernating would stop them\nhint: add --yes/);
    const asked = term(["hibernate", "box"]);
    await asked.waitForText(/Hibernate it anyway\?/, 15_000);
    asked.write("n");
    expect(await asked.exited(10_000)).toBe(1);
    expect((await sprite("box")).spec.hibernateRequestedAt).toBe(requestedBefore);
    shell.write("exit\r");
    expect(await shell.exited(15_000)).toBe(0);
  });

  it("delete keeps the home volume and says how to purge; --purge needs --yes without a terminal", async () => {
    const kept = await run(["delete", "box"]);
    expect(kept.code).toBe(0);
    expect(kept.stderr).toMatch(/its home volume box-home is kept/);
    expect(kept.stderr).toMatch(/kubectl delete pvc box-home/);
    await waitFor(async () => !(await kubectl(["get", "sprites", "-n", ns.name, "-o", "name"])).stdout.includes("sprite.puck.sandwich.labs/box"), {
      what: "Sprite box gone",
      timeoutMs: 60_000,
    });
    expect((await kubectl(["get", "pvc", "box-home", "-n", ns.name, "-o", "name"])).stdout.trim()).toBe("persistentvolumeclaim/box-home");

    const refused = await run(["delete", "broken", "--purge"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/hint: add --yes/);
    const purged = await run(["delete", "broken", "--purge", "--yes"]);
    expect(purged.code, purged.stderr).toBe(0);
    await waitFor(async () => (await kubectl(["get", "pvc", "-n", ns.name, "-o", "name"])).stdout.includes("broken-home") === false, {
      what: "the purged volume broken-home gone",
      timeoutMs: 60_000,
      describe: async () => (await kubectl(["get", "sprites,pvc", "-n", ns.name])).stdout,
    });
  });
});
