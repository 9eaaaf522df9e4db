// Any image works as a Sprite, proven on stand-ins for stock images: plain Debian (root, no extra
// user) and busybox alone (/bin/sh, no bash, no procps). Create, connect (the right shell), activity
// seen, keep-alive from inside without Puck's script, hibernate, wake, data intact.
// Needs puck-debian:dev and puck-busybox:dev in the node (images/build.sh debian busybox).
// @needs: cluster-alongside
import { describe, expect, it } from "vitest";
import { kubectl } from "../lib/cluster.js";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { puck, puckInTerminal } from "../lib/puck-cli.js";
import { readSprite } from "../lib/sprites.js";
import { waitFor } from "../lib/wait.js";

const IMAGES = [
  { name: "plain", image: "puck-debian:dev", shell: "bash" },
  { name: "tiny", image: "puck-busybox:dev", shell: "sh" },
] as const;

/** docs/using.md's keep-alive without the `keepawake` script: POSIX sh and GNU or busybox date. */
const KEEP_AWAKE_ONE_LINER = "mkdir -p ~/.puck && date -u -d @$(( $(date +%s) + 7200 )) +%Y-%m-%dT%H:%M:%SZ > ~/.puck/keep-awake";

const ns = useOperatorNamespace("images");
const terminals = ns.terminals;
const run = (args: string[]) => puck(["-n", ns.name, ...args], { timeoutMs: 150_000 });
const sprite = (name: string) => readSprite(ns.name, name);


describe.each(IMAGES)("$image", ({ name, image, shell }) => {
  it("create waits until Active; the home is root's, private", async () => {
    const created = await run(["create", name, "--image", image, "--storage", "1Gi", "--idle-timeout", "30m"]);
    expect(created.code, created.stderr).toBe(0);
    const home = await run(["connect", name, "--", "/bin/sh", "-c", "echo data-$((6*7)) > ~/kept; ls -ld ~ | cut -c1-10; id -u"]);
    expect(home.code, home.stderr).toBe(0);
    expect(home.stdout.split("\n").slice(0, 2)).toEqual(["drwx------", "0"]);
  });

  it(`an interactive connect opens ${shell}, and the agent sees the terminal`, async () => {
    const t = puckInTerminal(["-n", ns.name, "connect", name], { columns: 100, rows: 30 });
    terminals.push(t);
    t.write("echo shell=$0 in=$(pwd)\r");
    await t.waitForText(new RegExp(`shell=-?(/bin/)?${shell} in=/home/sprite`), 60_000, "the shell's answer");
    const seen = await waitFor(
      async () => {
        const s = await sprite(name);
        const terminal = s.status?.activity?.sessions?.find((x) => x.kind === "terminal" && x.active);
        return (s.status?.activeSessions ?? 0) >= 1 && terminal ? terminal : undefined;
      },
      { what: "an active terminal session in the status", timeoutMs: 30_000, describe: async () => (await sprite(name)).status },
    );
    expect(seen.user).toBe("root");
    expect(seen.tty).toMatch(/^pts\/\d+$/);
    t.write("exit\r");
    expect(await t.exited(30_000)).toBe(0);
  });

  it("a keep-alive written from inside, without the keepawake script, reaches the status", async () => {
    const result = await run(["connect", name, "--", "/bin/sh", "-c", `command -v keepawake || echo no-script; ${KEEP_AWAKE_ONE_LINER} && cat ~/.puck/keep-awake`]);
    expect(result.code, result.stderr).toBe(0);
    const [script, written] = result.stdout.trim().split("\n");
    expect(script).toBe("no-script");
    const until = await waitFor(async () => (await sprite(name)).status?.activity?.keepAwakeUntil, { what: "keepAwakeUntil in the status", timeoutMs: 30_000 });
    expect(Date.parse(until)).toBe(Date.parse(written!));
    expect(Date.parse(until) - Date.now()).toBeGreaterThan(115 * 60_000);
    await run(["connect", name, "--", "rm", "/home/sprite/.puck/keep-awake"]);
  });

  it("hibernates and wakes with the data intact", async () => {
    const hib = await run(["hibernate", name, "--yes"]);
    expect(hib.code, hib.stderr).toBe(0);
    await waitFor(async () => (await sprite(name)).status?.phase === "Hibernating" && !(await kubectl(["get", "pods", "-n", ns.name, "-o", "name"])).stdout.includes(`${name}-0`), {
      what: `${name} hibernated with no pod`,
      timeoutMs: 90_000,
    });
    const woke = await run(["connect", name, "--", "cat", "/home/sprite/kept"]);
    expect(woke.code, woke.stderr).toBe(0);
    expect(woke.stdout).toBe("data-42\n");
  });
});
