// The agent in a real Sprite pod: the real operator makes the pod (image puck-agent:dev as the
// sidecar), and the Sprite's status must show what happens inside it — terminals, execs, busy
// processes, keep-alives.
// @needs: cluster-alongside
import * as pty from "node-pty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sprite } from "../../operator/api/index.js";
import { installCrd, kubeconfigPath, kubectl, kubectlPath, makeNamespace } from "../lib/cluster.js";
import { startOperator, type OperatorProcess } from "../lib/operator-process.js";
import { waitFor } from "../lib/wait.js";
import { createSprite, describeSprite, getSprite } from "../lib/sprites.js";

const NAME = "box";
const POD = `${NAME}-0`;
let ns: { name: string; remove: () => Promise<void> };
let operator: OperatorProcess;

/** Waits until the Sprite's status satisfies `check`; a failure shows the last status and the agent's log. */
const untilStatus = (what: string, check: (s: NonNullable<Sprite["status"]>) => boolean, timeoutMs = 30_000) =>
  waitFor(
    async () => {
      const s = (await getSprite(ns.name, NAME))?.status;
      return s && check(s) ? s : undefined;
    },
    {
      what,
      timeoutMs,
      intervalMs: 300,
      describe: async () => ({
        status: (await getSprite(ns.name, NAME))?.status,
        agentLog: (await kubectl(["logs", "-n", ns.name, POD, "-c", "agent", "--tail=15"]).catch((e: Error) => ({ stdout: e.message }))).stdout,
      }),
    },
  );

const execIn = (...command: string[]) => kubectl(["exec", "-n", ns.name, POD, "-c", "sprite", "--", ...command]);

beforeAll(async () => {
  await installCrd();
  ns = await makeNamespace("agent-pod");
  operator = await startOperator({ namespace: ns.name });
  await createSprite(ns.name, NAME, { idleTimeoutMinutes: 30 });
  await waitFor(async () => (await kubectl(["get", "pod", POD, "-n", ns.name, "--ignore-not-found", "-o", "name"])).stdout.trim() !== "", {
    what: "the Sprite's pod",
    timeoutMs: 60_000,
    describe: () => describeSprite(ns.name, NAME),
  });
  await kubectl(["wait", "--for=condition=Ready", `pod/${POD}`, "-n", ns.name, "--timeout=120s"], { timeoutMs: 130_000 });
});

afterAll(async () => {
  await operator?.stop();
  await ns?.remove();
});

describe("the agent in a Sprite pod", () => {
  it("reports with its own token, counting neither pause, the keep-running shell nor itself", async () => {
    const status = await untilStatus("the agent's first report", (s) => s.activity?.reportTime !== undefined);
    expect(status.activeSessions).toBe(0);
    expect(status.activity?.sessions).toEqual([]);
    expect(status.activity?.busyProcesses).toEqual([]);
    expect(Date.parse(status.activity!.reportTime)).toBeGreaterThanOrEqual(Date.parse(status.activity!.agentStartTime!));
    const { stdout } = await kubectl(["logs", "-n", ns.name, POD, "-c", "agent"]);
    expect(stdout).toContain('"msg":"Published activity"');
  });

  it("sees a kubectl exec -it session, its user and terminal, and its end", async () => {
    const term = pty.spawn(kubectlPath(), ["--kubeconfig", kubeconfigPath(), "exec", "-it", "-n", ns.name, POD, "-c", "sprite", "--", "bash"], {
      env: { PATH: process.env.PATH ?? "", TERM: "xterm" },
    });
    let screen = "";
    term.onData((d) => (screen += d));
    const exited = new Promise<void>((resolve) => term.onExit(() => resolve()));
    try {
      const open = await untilStatus("the terminal session", (s) => (s.activeSessions ?? 0) >= 1 && s.activity?.sessions?.some((x) => x.kind === "terminal") === true);
      const session = open.activity!.sessions!.find((x) => x.kind === "terminal")!;
      // The Sprite image runs as `sprite` (uid 1000): the agent (root, SYS_PTRACE + DAC_READ_SEARCH)
      // reads another user's terminal, and names the user from the Sprite's own /etc/passwd.
      expect(session).toMatchObject({ tty: expect.stringMatching(/^pts\/\d+$/), user: "sprite", command: "bash", active: true });
      expect(Date.parse(open.lastActiveTime!)).toBeGreaterThan(Date.now() - 60_000);
      term.write("exit\r");
      await untilStatus("the session's end", (s) => s.activeSessions === 0 && !s.activity?.sessions?.some((x) => x.kind === "terminal"));
    } finally {
      // Killing only the local kubectl can leave the remote shell running (a session for later
      // tests): ask the shell to exit, and kill kubectl only if it does not end by itself.
      term.write("exit\r");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      term.kill();
    }
    expect(screen.length).toBeGreaterThan(0);
  });

  it("counts a command run through exec without a terminal while it runs", async () => {
    const running = execIn("sleep", "12");
    const seen = await untilStatus("the exec session", (s) => s.activity?.sessions?.some((x) => x.kind === "exec" && x.command === "sleep 12" && x.active) === true);
    expect(seen.activeSessions).toBeGreaterThanOrEqual(1);
    await running;
    await untilStatus("the exec session's end", (s) => s.activeSessions === 0 && !s.activity?.sessions?.some((x) => x.kind === "exec"));
  });

  it("counts a nohup'ed busy loop, and stops counting it when it ends", async () => {
    const { stdout } = await execIn("sh", "-c", "nohup sh -c 'while :; do :; done' >/dev/null 2>&1 & echo $!");
    const pid = Number(stdout.trim());
    try {
      const busy = await untilStatus("the busy loop", (s) => s.activity?.busyProcesses?.some((b) => b.pid === pid) === true, 60_000);
      expect(busy.activity?.busyProcesses?.find((b) => b.pid === pid)).toMatchObject({ reason: "Cpu", user: "sprite" });
      expect(busy.activeSessions).toBe(0); // the exec that started it has ended: busy, not a session
    } finally {
      await execIn("kill", String(pid)).catch(() => undefined);
    }
    await untilStatus("the busy loop to stop counting", (s) => !s.activity?.busyProcesses?.some((b) => b.pid === pid));
  });

  it("publishes a keep-alive written with keepawake, and its removal", async () => {
    await execIn("keepawake", "1h");
    const kept = await untilStatus("the keep-alive", (s) => s.activity?.keepAwakeUntil !== undefined);
    expect(Date.parse(kept.activity!.keepAwakeUntil!) - Date.now()).toBeGreaterThan(55 * 60_000);
    await execIn("keepawake", "off");
    await untilStatus("the keep-alive's removal", (s) => s.activity?.keepAwakeUntil === undefined);
  });

  it("may only read its own Sprite and patch its status", async () => {
    const as = `system:serviceaccount:${ns.name}:${NAME}-agent`;
    // `kubectl auth can-i` answers "no" with exit code 1, which kubectl() turns into an error.
    const can = async (...args: string[]) =>
      kubectl(["auth", "can-i", "-n", ns.name, "--as", as, ...args]).then(
        (r) => r.stdout.trim(),
        (e: Error) => (/Command failed/.test(e.message) ? "no" : e.message),
      );
    expect(await can("patch", `sprites.puck.sandwich.labs/${NAME}`, "--subresource=status")).toBe("yes");
    expect(await can("patch", "sprites.puck.sandwich.labs/other", "--subresource=status")).toBe("no");
    expect(await can("list", "pods")).toBe("no");
  });
});
