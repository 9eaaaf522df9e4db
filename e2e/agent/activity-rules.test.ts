// What keeps a real Sprite awake, with the real operator, the agent image and a 1-minute timeout:
// watching is not working (a `watch date` in a detached tmux lets it hibernate), a slow download
// printing its progress keeps it awake (and once it ends, `puck describe` counts down from when data
// last moved), a forward carrying data keeps it awake, and an open forward that carries nothing lets
// it hibernate. A Sprite for each rule, side by side: slow by nature
// (minutes of idling).
// @needs: cluster-alongside
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SpriteStatus } from "../../operator/api/index.js";
import { installCrd, kubeconfigPath, kubectl, kubectlPath, makeNamespace } from "../lib/cluster.js";
import { freePort, startOperator, type OperatorProcess } from "../lib/operator-process.js";
import { ensurePuckBuilt, puck } from "../lib/puck-cli.js";
import { waitFor } from "../lib/wait.js";
import { createSprite, getSprite, patchSpec, SPRITE_IMAGE } from "../lib/sprites.js";

const MINUTE = 60_000;
let ns: { name: string; remove: () => Promise<void> };
let operator: OperatorProcess;
const children: ChildProcess[] = [];

/**
 * perl-base is in every Debian image: a one-line HTTP server answering every request with `size`
 * bytes, in 16 KiB pieces `paceMs` apart. A slow download is slow at the sender: a client that
 * throttles itself (curl --limit-rate) lets the kernel buffer megabytes at once, and the wire then
 * idles for minutes while the progress bar moves.
 */
const server = (address: string, size: number, paceMs = 0) =>
  `use IO::Socket::INET; my $s = IO::Socket::INET->new(LocalAddr => "${address}", Listen => 5, ReuseAddr => 1) or die; ` +
  `my $piece = "x" x 16384; while (my $c = $s->accept) { my $l; while (($l = <$c>) && $l ne "\\r\\n") {} $c->autoflush(1); ` +
  `print $c "HTTP/1.0 200 OK\\r\\nContent-Length: ${size}\\r\\n\\r\\n"; ` +
  `for (1 .. ${size} / 16384) { print $c $piece or last; select(undef, undef, undef, ${paceMs / 1000}) if ${paceMs} } close $c }`;

/**
 * One Sprite under test, with the statuses seen while polling it: a failure message tells its story.
 * Each rule has a Sprite of its own, so the rules wait out their idle timeouts side by side.
 */
function spriteUnderTest(name: string) {
  const pod = `${name}-0`;
  const seen: { at: string; phase?: string; reason?: string; sessions?: string; network?: unknown }[] = [];
  const story = () => seen.slice(-12);

  async function status(): Promise<SpriteStatus> {
    const s = (await getSprite(ns.name, name))?.status ?? {};
    const sessions = s.activity?.sessions?.map((x) => `${x.kind}:${x.command}:${x.active ? "active" : "idle"}`).join(", ");
    seen.push({ at: new Date().toISOString().slice(11, 19), ...(s.phase ? { phase: s.phase } : {}), ...(s.reason ? { reason: s.reason } : {}), ...(sessions ? { sessions } : {}), network: s.activity?.network });
    return s;
  }

  const untilStatus = (what: string, check: (s: SpriteStatus) => boolean, timeoutMs: number) =>
    waitFor(async () => {
      const s = await status();
      return check(s) ? s : undefined;
    }, { what: `${name}: ${what}`, timeoutMs, intervalMs: 2000, describe: story });

  return {
    name,
    pod,
    seen,
    story,
    untilStatus,
    execIn: (command: string) => kubectl(["exec", "-n", ns.name, pod, "-c", "sprite", "--", "sh", "-c", command], { timeoutMs: 60_000 }),

    /**
     * Checks every 2 s for `forMs` that the Sprite does not hibernate; returns the statuses seen. (Its
     * pod may lose readiness for a moment on a loaded node — phase Starting — which is no hibernation.)
     */
    async staysAwake(what: string, forMs: number): Promise<SpriteStatus[]> {
      const statuses: SpriteStatus[] = [];
      const end = Date.now() + forMs;
      while (Date.now() < end) {
        const s = await status();
        if (s.phase === "Hibernating") throw new Error(`${name}, ${what}: the Sprite hibernated (${s.reason}); last seen: ${JSON.stringify(story(), null, 2)}`);
        statuses.push(s);
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
      return statuses;
    },

    /** On a loaded node the pod may take most of the minute to start, and the Sprite sleep right after its first report. */
    async wake(): Promise<void> {
      await patchSpec(ns.name, name, { wakeRequestedAt: new Date().toISOString() });
      await untilStatus("the Sprite to wake and its agent to report", (s) => s.phase === "Active" && s.activity?.reportTime !== undefined && Date.parse(s.activity.reportTime) > Date.parse(s.wokeAt ?? ""), 3 * MINUTE);
    },

    /** `kubectl port-forward` to the Sprite's port 8080: the same pod port-forward ssh -L and puck port-forward use. */
    async forward(): Promise<number> {
      const local = await freePort();
      const child = spawn(kubectlPath(), ["--kubeconfig", kubeconfigPath(), "port-forward", "-n", ns.name, `pod/${pod}`, `${local}:8080`]);
      children.push(child);
      let out = "";
      child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
      await waitFor(() => out.includes("Forwarding from"), { what: "kubectl port-forward to listen", timeoutMs: 30_000, describe: () => out });
      return local;
    },
  };
}

const get = (port: number) =>
  new Promise<number>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      let n = 0;
      res.on("data", (d: Buffer) => (n += d.length));
      res.on("end", () => resolve(n));
    });
    req.on("error", reject);
    req.setTimeout(20_000, () => req.destroy(new Error("timed out")));
    req.end();
  });

const watching = spriteUnderTest("watching");
const downloading = spriteUnderTest("downloading");
const forwarding = spriteUnderTest("forwarding");
// With a 1-minute idle timeout, a Sprite still awake this long after its countdown began was held
// awake by what the test did (the operator acts within seconds of a deadline).
const HELD_MS = 100_000;

beforeAll(async () => {
  await Promise.all([installCrd(), ensurePuckBuilt()]);
  ns = await makeNamespace("agent-activity");
  // PUCK_AGENT_IMAGE: a branch's own agent image, without retagging the shared puck-agent:dev.
  operator = await startOperator({ namespace: ns.name });
  // A file server elsewhere in the cluster, for a Sprite to download from slowly: behind a Service
  // that the downloading Sprite is allowed to reach (a Sprite reaches no pod of the cluster otherwise).
  const files = { apiVersion: "v1", kind: "Pod", metadata: { name: "files", namespace: ns.name, labels: { app: "files" } }, spec: { containers: [{ name: "files", image: SPRITE_IMAGE, imagePullPolicy: "IfNotPresent", command: ["perl", "-e", server("0.0.0.0:8080", 64 * 1024 * 1024, 250)] }] } };
  const filesService = { apiVersion: "v1", kind: "Service", metadata: { name: "files", namespace: ns.name }, spec: { selector: { app: "files" }, ports: [{ port: 8080 }] } };
  await kubectl(["create", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: [files, filesService] }) });
  for (const sprite of [watching, downloading, forwarding])
    await createSprite(ns.name, sprite.name, { idleTimeoutMinutes: 1, ...(sprite === downloading ? { network: { allow: [{ service: "files" }] } } : {}) });
  await Promise.all([watching, downloading, forwarding].map((sprite) => sprite.untilStatus("the agent's first report", (s) => s.activity?.reportTime !== undefined, 3 * MINUTE)));
  await kubectl(["wait", "--for=condition=Ready", "pod/files", "-n", ns.name, "--timeout=120s"], { timeoutMs: 130_000 });
}, 6 * MINUTE);

afterAll(async () => {
  for (const c of children) c.kill();
  await operator?.stop();
  await ns?.remove();
}, 3 * MINUTE);

describe.concurrent("what keeps a Sprite awake", () => {
  it("watching is not working: a `watch date` in a detached tmux lets the Sprite hibernate", async () => {
    const sprite = watching;
    await sprite.wake();
    await sprite.execIn("tmux new -d -s watching 'watch -n 2 date'");
    await sprite.untilStatus("the watch's terminal in the report", (s) => s.activity?.sessions?.some((x) => x.kind === "terminal" && x.command.startsWith("watch")) === true, MINUTE);
    const slept = await sprite.untilStatus("the Sprite to hibernate with the watch running", (s) => s.phase === "Hibernating", 4 * MINUTE);
    expect(slept.reason).toBe("Idle");
    // The watch ran, printing every 2 s, until the Sprite slept: the last report before it still listed it.
    expect(sprite.seen.filter((x) => x.phase === "Active").at(-1)?.sessions).toMatch(/terminal:watch -n 2 date/);
  }, 8 * MINUTE);

  it("a slow download printing its progress keeps the Sprite awake; once it ends, `puck describe` counts down from when data last moved", async () => {
    const sprite = downloading;
    await sprite.wake();
    await sprite.untilStatus("the idle countdown (nothing holds the Sprite awake)", (s) => s.reason === "IdleTimeoutPending", 3 * MINUTE);
    // 64 KiB/s, 64 MiB: far longer than the test; curl prints its progress meter on the terminal.
    await sprite.execIn(`tmux new -d -s download 'curl -o /dev/null http://files:8080/'`);
    let statuses: SpriteStatus[];
    try {
      statuses = await sprite.staysAwake("a slow download", HELD_MS);
    } finally {
      await sprite.execIn("tmux kill-session -t download");
    }
    // Why: data moved, and the terminal printing the progress counted while it did.
    const late = statuses.slice(-10);
    expect(late.some((s) => s.activity?.network?.active === true), JSON.stringify(sprite.story())).toBe(true);
    expect(late.some((s) => s.activity?.sessions?.some((x) => x.kind === "terminal" && x.command.startsWith("curl") && x.active)), JSON.stringify(sprite.story())).toBe(true);

    // The download is over: nothing moves now, and the data that moved a moment ago is recency, like a
    // terminal's last input — the Sprite counts down to its idle deadline (the agent notices within
    // its 30-s moving window; the deadline is a minute after data last moved).
    await sprite.untilStatus("the countdown once data stops moving", (s) => s.reason === "IdleTimeoutPending" && s.activity?.network?.active === false && s.hibernatesAt !== undefined, MINUTE);
    const [described, listed] = await Promise.all([puck(["-n", ns.name, "describe", sprite.name]), puck(["-n", ns.name, "list"])]);
    const story = `${described.stdout}${described.stderr}\n${listed.stdout}\n${JSON.stringify(sprite.story())}`;
    expect(described.stdout, story).toMatch(/Reason: +IdleTimeoutPending: Idle since \S+ \(/);
    expect(described.stdout, story).toMatch(/Hibernates: +idle since \S+ \(\S+ ago\), hibernates at \S+ \(in \S+\) unless there is activity\n/);
    expect(described.stdout, story).toMatch(/Network: +\S+ in the last \d+ (min|s), data last moved \S+ ago\n/);
    expect(described.stdout, story).not.toContain("keeps it awake");
    // HIBERNATES-IN is a countdown, not a reason in parentheses.
    expect(listed.stdout, story).toMatch(new RegExp(`^${sprite.name}\\s+Active\\s+0\\s+\\S+\\s+(\\d+[smh]\\S*|now)\\s`, "m"));
  }, 8 * MINUTE);

  it("a forward carrying data keeps the Sprite awake; the same forward left open and idle does not", async () => {
    const sprite = forwarding;
    await sprite.wake();
    // The Sprite's own dev server on its loopback, detached (no session of its own).
    await sprite.execIn(`cd && printf '%s' '${server("127.0.0.1:8080", 256 * 1024).replaceAll("'", "'\\''")}' > server.pl && (setsid perl server.pl >/dev/null 2>&1 &)`);
    const countdown = await sprite.untilStatus("the idle countdown (nothing holds the Sprite awake)", (s) => s.reason === "IdleTimeoutPending" && s.hibernatesAt !== undefined, 3 * MINUTE);
    const port = await sprite.forward();

    // A forward carrying data: a 256 KiB page every 3 s through kubectl port-forward.
    let fetching = true;
    let fetched = 0;
    const loop = (async () => {
      while (fetching) {
        fetched += await get(port).catch(() => 0);
        await new Promise((resolve) => setTimeout(resolve, 3000));
      }
    })();
    let statuses: SpriteStatus[];
    try {
      statuses = await sprite.staysAwake("a forward carrying data", HELD_MS);
    } finally {
      fetching = false;
      await loop;
    }
    expect(fetched).toBeGreaterThan(10 * 256 * 1024);
    expect(statuses.slice(-10).some((s) => s.reason === "NetworkActive"), JSON.stringify(sprite.story())).toBe(true);
    // Still awake well past the deadline the countdown had set before the forward carried anything.
    // (The status's network.lastMovedTime is not the measure here: the agent rewrites it at most about
    // once a minute.)
    const awakeUntil = Date.now();
    expect(awakeUntil - Date.parse(countdown.hibernatesAt ?? ""), JSON.stringify(sprite.story())).toBeGreaterThan(30_000);

    // The same forward left open, one connection open on it and nothing moving: the Sprite sleeps.
    const idle: Socket = connect(port, "127.0.0.1");
    try {
      await new Promise<void>((resolve, reject) => idle.once("connect", resolve).once("error", reject));
      const slept = await sprite.untilStatus("the Sprite to hibernate with an idle forward open", (s) => s.phase === "Hibernating", 4 * MINUTE);
      expect(slept.reason).toBe("Idle");
    } finally {
      idle.destroy();
    }
  }, 10 * MINUTE);
});
