// What keeps a real Sprite awake, with the real operator, the agent image and a 1-minute timeout:
// watching is not working (a `watch date` in a detached tmux lets it hibernate), a slow download
// printing its progress keeps it awake, a forward carrying data keeps it awake, and an open forward
// that carries nothing lets it hibernate. One Sprite, in turns; slow by nature (minutes of idling).
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Sprite, SpriteStatus } from "../../operator/api/index.js";
import { installCrd, kubeconfigPath, kubectl, kubectlPath, makeNamespace } from "../lib/cluster.js";
import { freePort, startOperator, type OperatorProcess } from "../lib/operator-process.js";
import { waitFor } from "../lib/wait.js";
import { createSprite, getSprite, patchSpec, SPRITE_IMAGE } from "../operator/sprites.js";

const MINUTE = 60_000;
const NAME = "act";
const POD = `${NAME}-0`;
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

const execIn = (command: string) => kubectl(["exec", "-n", ns.name, POD, "-c", "sprite", "--", "sh", "-c", command], { timeoutMs: 60_000 });

/** Every status seen while polling, with the time: the failure message shows the story. */
const seen: { at: string; phase?: string; reason?: string; sessions?: string; network?: unknown }[] = [];
async function status(): Promise<NonNullable<Sprite["status"]>> {
  const s = (await getSprite(ns.name, NAME))?.status ?? {};
  const sessions = s.activity?.sessions?.map((x) => `${x.kind}:${x.command}:${x.active ? "active" : "idle"}`).join(", ");
  seen.push({ at: new Date().toISOString().slice(11, 19), ...(s.phase ? { phase: s.phase } : {}), ...(s.reason ? { reason: s.reason } : {}), ...(sessions ? { sessions } : {}), network: s.activity?.network });
  return s;
}
const story = () => seen.slice(-12);

const untilStatus = (what: string, check: (s: SpriteStatus) => boolean, timeoutMs: number) =>
  waitFor(async () => {
    const s = await status();
    return check(s) ? s : undefined;
  }, { what, timeoutMs, intervalMs: 2000, describe: story });

/**
 * Checks every 2 s for `forMs` that the Sprite does not hibernate; returns the statuses seen. (Its
 * pod may lose readiness for a moment on a loaded node — phase Starting — which is no hibernation.)
 */
async function staysAwake(what: string, forMs: number): Promise<SpriteStatus[]> {
  const statuses: SpriteStatus[] = [];
  const end = Date.now() + forMs;
  while (Date.now() < end) {
    const s = await status();
    if (s.phase === "Hibernating") throw new Error(`${what}: the Sprite hibernated (${s.reason}); last seen: ${JSON.stringify(story(), null, 2)}`);
    statuses.push(s);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  return statuses;
}

async function wake(): Promise<void> {
  await patchSpec(ns.name, NAME, { wakeRequestedAt: new Date().toISOString() });
  await untilStatus("the Sprite to wake and its agent to report", (s) => s.phase === "Active" && s.activity?.reportTime !== undefined && Date.parse(s.activity.reportTime) > Date.parse(s.wokeAt ?? ""), 3 * MINUTE);
}

/** `kubectl port-forward` to the Sprite's port 8080: the same pod port-forward ssh -L and puck port-forward use. */
async function forward(): Promise<number> {
  const local = await freePort();
  const child = spawn(kubectlPath(), ["--kubeconfig", kubeconfigPath(), "port-forward", "-n", ns.name, `pod/${POD}`, `${local}:8080`]);
  children.push(child);
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes("Forwarding from"), { what: "kubectl port-forward to listen", timeoutMs: 30_000, describe: () => out });
  return local;
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

beforeAll(async () => {
  await installCrd();
  ns = await makeNamespace("agent-activity");
  // PUCK_AGENT_IMAGE: a branch's own agent image, without retagging the shared puck-agent:dev.
  operator = await startOperator({ namespace: ns.name });
  // A file server elsewhere in the cluster, for the Sprite to download from slowly.
  const files = { apiVersion: "v1", kind: "Pod", metadata: { name: "files", namespace: ns.name }, spec: { containers: [{ name: "files", image: SPRITE_IMAGE, imagePullPolicy: "IfNotPresent", command: ["perl", "-e", server("0.0.0.0:8080", 64 * 1024 * 1024, 250)] }] } };
  await kubectl(["create", "-f", "-"], { input: JSON.stringify(files) });
  await createSprite(ns.name, NAME, { idleTimeoutMinutes: 1 });
  // On a loaded node the pod may take most of the minute to start, and the Sprite sleep right after
  // its first report: each test wakes it first.
  await untilStatus("the agent's first report", (s) => s.activity?.reportTime !== undefined, 3 * MINUTE);
  await kubectl(["wait", "--for=condition=Ready", "pod/files", "-n", ns.name, "--timeout=120s"], { timeoutMs: 130_000 });
}, 6 * MINUTE);

afterAll(async () => {
  for (const c of children) c.kill();
  await operator?.stop();
  await ns?.remove();
}, 3 * MINUTE);

it("watching is not working: a `watch date` in a detached tmux lets the Sprite hibernate", async () => {
  await wake();
  await execIn("tmux new -d -s watching 'watch -n 2 date'");
  await untilStatus("the watch's terminal in the report", (s) => s.activity?.sessions?.some((x) => x.kind === "terminal" && x.command.startsWith("watch")) === true, MINUTE);
  const slept = await untilStatus("the Sprite to hibernate with the watch running", (s) => s.phase === "Hibernating", 4 * MINUTE);
  expect(slept.reason).toBe("Idle");
  // The watch ran, printing every 2 s, until the Sprite slept: the last report before it still listed it.
  expect(seen.filter((x) => x.phase === "Active").at(-1)?.sessions).toMatch(/terminal:watch -n 2 date/);
}, 8 * MINUTE);

it("a slow download printing its progress keeps the Sprite awake, and the forward carrying data too; an idle open forward does not", async () => {
  await wake();
  const { stdout: filesIp } = await kubectl(["get", "pod", "files", "-n", ns.name, "-o", "jsonpath={.status.podIP}"]);
  // The Sprite's own dev server on its loopback, detached (no session of its own).
  await execIn(`cd && printf '%s' '${server("127.0.0.1:8080", 256 * 1024).replaceAll("'", "'\\''")}' > server.pl && (setsid perl server.pl >/dev/null 2>&1 &)`);
  await untilStatus("the idle countdown (nothing holds the Sprite awake)", (s) => s.reason === "IdleTimeoutPending", 3 * MINUTE);

  // 64 KiB/s, 64 MiB: far longer than the test; curl prints its progress meter on the terminal.
  await execIn(`tmux new -d -s download 'curl -o /dev/null http://${filesIp}:8080/'`);
  const downloading = await staysAwake("a slow download", 2 * MINUTE + 15_000);
  // Why: data moved, and the terminal printing the progress counted while it did.
  const late = downloading.slice(-10);
  expect(late.some((s) => s.activity?.network?.active === true), JSON.stringify(story())).toBe(true);
  expect(late.some((s) => s.activity?.sessions?.some((x) => x.kind === "terminal" && x.command.startsWith("curl") && x.active)), JSON.stringify(story())).toBe(true);
  // The download ends; without more traffic the Sprite would sleep a minute later (a network gone
  // quiet stops counting exactly when the timeout since its last data runs out).
  const port = await forward();
  await execIn("tmux kill-session -t download");
  const downloadEndedMs = Date.now();

  // A forward carrying data: a 256 KiB page every 3 s through kubectl port-forward.
  let fetching = true;
  let fetched = 0;
  const loop = (async () => {
    while (fetching) {
      fetched += await get(port).catch(() => 0);
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  })();
  let forwarding: SpriteStatus[];
  try {
    forwarding = await staysAwake("a forward carrying data", 2 * MINUTE + 15_000);
  } finally {
    fetching = false;
    await loop;
  }
  expect(fetched).toBeGreaterThan(10 * 256 * 1024);
  expect(forwarding.slice(-10).some((s) => s.reason === "NetworkActive"), JSON.stringify(story())).toBe(true);
  // Awake a minute and more past the download's end: the forward's data, not the download's.
  const lastMoved = Math.max(...forwarding.map((s) => Date.parse(s.activity?.network?.lastMovedTime ?? "") || 0));
  expect(lastMoved - downloadEndedMs, JSON.stringify(story())).toBeGreaterThan(MINUTE);

  // The same forward left open, one connection open on it and nothing moving: the Sprite sleeps.
  const idle: Socket = connect(port, "127.0.0.1");
  try {
    await new Promise<void>((resolve, reject) => idle.once("connect", resolve).once("error", reject));
    const slept = await untilStatus("the Sprite to hibernate with an idle forward open", (s) => s.phase === "Hibernating", 4 * MINUTE);
    expect(slept.reason).toBe("Idle");
  } finally {
    idle.destroy();
  }
}, 16 * MINUTE);
