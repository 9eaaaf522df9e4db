// `puck connect` as the user gets it, with the real operator: a connect shows in LAST-ACTIVE at once,
// Ready agrees with a finished wake, and a session the Sprite ends (hibernation, deletion, a stopped
// pod) says so in one line with exit 255. Run: npm run test:cluster -- e2e/cli/connect-session
// @needs: cluster-alongside
import { beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "../lib/cluster.js";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { puck, puckInTerminal, type PuckTerminal } from "../lib/puck-cli.js";
import { readSprite } from "../lib/sprites.js";
import { waitFor } from "../lib/wait.js";

// Real idle timeouts: the agent counts a silent terminal as active for the real minute anyway, and a
// scaled one would let a Sprite that starts slowly on a busy machine hibernate before its shell opens.
const ns = useOperatorNamespace("cli-session");
const terminals = ns.terminals;
/** A terminal left silent from the start: its Sprite's idle minute runs while the other tests do. */
let silent: PuckTerminal;
const run = (args: string[], options: Parameters<typeof puck>[1] = {}) => puck(["-n", ns.name, ...args], options);
const sprite = (name: string) => readSprite(ns.name, name);
const describeAll = async () => (await kubectl(["get", "sprites,pods", "-n", ns.name, "-o", "wide"])).stdout;
const ready = (s: { status?: { conditions?: { type: string; status: string }[] } }) => s.status?.conditions?.find((c) => c.type === "Ready")?.status;

/**
 * Waits until the command runs in the Sprite's pod: the session is really open. Asked of the pod, not
 * of the agent's report, whose command text may still be the runtime's ("runc init") it first saw.
 */
const running = (name: string, pattern: string) =>
  waitFor(
    async () => (await kubectl(["exec", `${name}-0`, "-n", ns.name, "-c", "sprite", "--", "pgrep", "-f", pattern])).stdout.trim() !== "",
    { what: `"${pattern}" running in Sprite ${name}`, timeoutMs: 30_000, describe: describeAll },
  );

/** The one line puck prints when the Sprite ends a session. */
const noticeOf = (stderr: string) => stderr.trim().split("\n").filter((l) => l.startsWith("puck:"));

beforeAll(async () => {
  const created = await Promise.all([
    run(["create", "box", "--idle-timeout", "120", "--storage", "1Gi"]),
    run(["create", "doomed", "--idle-timeout", "120", "--storage", "1Gi"]),
    run(["create", "quiet", "--idle-timeout", "1", "--storage", "1Gi"]),
  ]);
  for (const r of created) expect(r.code, r.stderr).toBe(0);
  silent = puckInTerminal(["-n", ns.name, "connect", "quiet"]);
  terminals.push(silent);
}, 180_000);

describe("connect and the Sprite's side of a session", () => {
  it("a command too short for the agent's scan still shows in lastActiveTime, at once", async () => {
    const before = Date.now();
    const earlierText: string | undefined = (await sprite("box")).status?.lastActiveTime;
    const earlier = Date.parse(earlierText ?? "");
    expect(Number.isNaN(earlier) || earlier < before - 1000, `lastActiveTime before the connect: ${earlierText}`).toBe(true);
    const result = await run(["connect", "box", "--", "true"]);
    expect(result.code, result.stderr).toBe(0);
    const seen = await waitFor(
      async () => {
        const last = Date.parse((await sprite("box")).status?.lastActiveTime ?? "");
        return last >= before - 1000 ? last : undefined;
      },
      { what: "lastActiveTime at the connect", timeoutMs: 5_000, intervalMs: 100, describe: async () => (await sprite("box")).status },
    );
    expect(seen).toBeLessThanOrEqual(Date.now());
  });

  it("after a wake from hibernation, Ready and Active agree with the finished connect; a requested hibernation then ends a running command with one line and 255", async () => {
    expect((await run(["hibernate", "box", "--yes"])).code).toBe(0);
    await waitFor(async () => (await sprite("box")).status?.phase === "Hibernating" && (await kubectl(["get", "pod", "box-0", "-n", ns.name, "--ignore-not-found", "-o", "name"])).stdout.trim() === "", {
      what: "box hibernated with no pod",
      timeoutMs: 90_000,
      describe: describeAll,
    });
    const woke = await run(["connect", "box", "--", "echo", "awake"]);
    expect(woke.code, woke.stderr).toBe(0);
    expect(woke.stdout).toBe("awake\n");
    // connect learns it by trying a command in the new pod; the operator from the agent's first report
    // from it, a moment later (the operator may not exec). Within two seconds they agree.
    await kubectl(["wait", "--for=condition=Ready", "sprite/box", "-n", ns.name, "--timeout=2s"]);
    const after = await sprite("box");
    expect({ phase: after.status?.phase, ready: ready(after) }).toEqual({ phase: "Active", ready: "True" });

    const session = run(["connect", "box", "--", "sleep", "600"]);
    await running("box", "^sleep 600");
    expect((await run(["hibernate", "box", "--yes"])).code).toBe(0);
    const ended = await session;
    expect(ended.code, ended.stderr).toBe(255);
    expect(noticeOf(ended.stderr), ended.stderr).toEqual([expect.stringMatching(/Sprite box hibernated on request, which ended the session; `puck connect box` wakes it\.$/)]);
  }, 180_000);

  it("deleting the Sprite ends a session with a line saying so and how to get it back", async () => {
    const session = run(["connect", "doomed", "--", "sleep", "600"]);
    await running("doomed", "^sleep 600");
    await kubectl(["delete", "sprite", "doomed", "-n", ns.name, "--wait=false"]);
    const ended = await session;
    expect(ended.code, ended.stderr).toBe(255);
    expect(noticeOf(ended.stderr), ended.stderr).toEqual([expect.stringMatching(/Sprite doomed was deleted, which ended the session; its home volume is kept, and `puck create doomed` re-attaches it\.$/)]);
  }, 120_000);

  it("deleting the pod under a session says the pod stopped and how to start it again", async () => {
    const session = run(["connect", "box", "--", "sleep", "600"]);
    await running("box", "^sleep 600");
    await kubectl(["delete", "pod", "box-0", "-n", ns.name, "--wait=false"]);
    const ended = await session;
    expect(ended.code, ended.stderr).toBe(255);
    expect(noticeOf(ended.stderr), ended.stderr).toEqual([expect.stringMatching(/The pod of Sprite box stopped, which ended the session; `puck connect box` starts it again\.$/)]);
  }, 120_000);

  it("a silent terminal: the Sprite hibernates after its idle timeout and the session says so (not a bare exit 137)", async () => {
    await silent.waitForText(/\$ $|# $/m, 60_000, "a shell prompt");
    // Nothing typed: the agent stops counting the terminal after the (real) minute, then the operator hibernates it.
    const code = await silent.exited(150_000);
    expect(code, silent.text()).toBe(255);
    expect(silent.text()).toMatch(/puck: Sprite quiet hibernated after its idle timeout, which ended the session; `puck connect quiet` wakes it\./);
  }, 180_000);
});
