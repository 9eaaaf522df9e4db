// The SSH gateway as `kubectl apply -k deploy` installs it: in its pod, with its own service
// account's rights, behind its Service. A hibernated Sprite is woken by a plain `ssh`, and a rollout
// of the gateway cuts no session.
// @needs: cluster
import { execFile, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeHostKey } from "../../gateway/host-key.js";
import { kubectl } from "../lib/cluster.js";
import { installPuckWithNamespace, stopInClusterOperator } from "../lib/install.js";
import { deleteSprites, puck } from "../lib/puck-cli.js";
import { freePort } from "../lib/operator-process.js";
import { spritePhase } from "../lib/sprites.js";
import { openTerminal } from "../lib/terminal.js";
import { waitFor } from "../lib/wait.js";
import { pinnedOptions } from "../lib/openssh.js";

const MINUTE = 60_000;
const dir = mkdtempSync(join(tmpdir(), "puck-gwj-"));
let ns: { name: string; remove: () => Promise<void> };

spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "journey", "-f", join(dir, "key")]);

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 3 * MINUTE, encoding: "utf8" }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 255) : 0, stdout, stderr });
    });
  });
}

/** The Service's node port, on this node's loopback (kube-proxy serves node ports there too), and its known_hosts. */
const gateway = { port: "", knownHosts: join(dir, "known_hosts") };
const ssh = (command: string) => run("ssh", [...pinnedOptions(join(dir, "key"), gateway.knownHosts), "-p", gateway.port, `dev.${ns.name}@127.0.0.1`, command]);

const gatewayPods = async () => {
  const out = (await kubectl(["-n", "puck-system", "get", "pods", "-l", "app.kubernetes.io/name=puck-gateway", "-o", "jsonpath={range .items[*]}{.metadata.name} {.metadata.deletionTimestamp}{\"\\n\"}{end}"])).stdout;
  return out.split("\n").filter(Boolean).map((line) => ({ name: line.split(" ")[0]!, terminating: line.trim().includes(" ") }));
};

const phase = (name: string) => spritePhase(ns.name, name);

beforeAll(async () => {
  ns = await installPuckWithNamespace("gw-journey");
}, 5 * MINUTE);

afterAll(async () => {
  if (ns) {
    await deleteSprites(ns.name).catch(() => undefined);
    await ns.remove();
  }
  await stopInClusterOperator();
  await kubectl(["-n", "puck-system", "scale", "deployment/puck-gateway", "--replicas=0"]).catch(() => undefined);
}, 3 * MINUTE);

it("ssh through the installed gateway wakes a hibernated Sprite, with the host key of its Secret", async () => {
  const created = await puck(["-n", ns.name, "create", "dev", "--idle-timeout", "30", "--storage", "1Gi", "--authorized-keys", join(dir, "key.pub")], { timeoutMs: 3 * MINUTE });
  expect(created.code, created.stderr).toBe(0);
  expect((await puck(["-n", ns.name, "hibernate", "dev", "--yes"])).code).toBe(0);
  await waitFor(async () => (await phase("dev")) === "Hibernating", { timeoutMs: MINUTE, what: "dev to hibernate" });

  // The Service's node port, on this node's loopback (kube-proxy serves node ports there too).
  const nodePort = (await kubectl(["-n", "puck-system", "get", "service", "puck-gateway", "-o", "jsonpath={.spec.ports[0].nodePort}"])).stdout;
  const secret = (await kubectl(["-n", "puck-system", "get", "secret", "puck-gateway-host-key", "-o", "jsonpath={.data.ssh_host_ed25519_key}"])).stdout;
  const hostKey = describeHostKey(Buffer.from(secret, "base64").toString("utf8"));
  const knownHosts = gateway.knownHosts;
  writeFileSync(knownHosts, `[127.0.0.1]:${nodePort} ${hostKey.publicKey}\n`);
  gateway.port = nodePort;

  const started = Date.now();
  const r = await run("ssh", [
    "-F", "/dev/null", "-i", join(dir, "key"), "-o", "IdentitiesOnly=yes", "-o", `UserKnownHostsFile=${knownHosts}`,
    "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-p", nodePort, `dev.${ns.name}@127.0.0.1`, "echo from-$(hostname)",
  ]);
  console.log(`[gateway journey] ssh to a hibernated Sprite through the installed gateway: ${Date.now() - started} ms`);
  expect(r, r.stderr).toMatchObject({ code: 0, stdout: "from-dev-0\n" });
  // The session may start up to a second before the status says Active; the status must follow.
  await waitFor(async () => (await phase("dev")) === "Active", { timeoutMs: 30_000, what: "dev to be Active after the ssh wake" });
  const logs = (await kubectl(["-n", "puck-system", "logs", "deployment/puck-gateway"])).stdout;
  expect(logs).toContain(hostKey.fingerprint);
  expect(logs).not.toMatch(/PRIVATE KEY/);
}, 6 * MINUTE);


it("a rollout of the gateway cuts no session: a terminal and an ssh -L forward go on, told in one line, while a new ssh goes to the new pod", async () => {
  // dev is awake (the test before woke it). A one-line HTTP server on its loopback (perl-base is in
  // every Debian image), started in the background so that no connection of its own stays open.
  const server = String.raw`use IO::Socket::INET; my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1:8080", Listen => 5, ReuseAddr => 1) or die;
    while (my $c = $s->accept) { my $l; while (($l = <$c>) && $l ne "\r\n") {} print $c "HTTP/1.0 200 OK\r\nContent-Length: 11\r\n\r\nfrom-sprite"; close $c }`;
  writeFileSync(join(dir, "server.pl"), server);
  const put = await run("scp", [...pinnedOptions(join(dir, "key"), gateway.knownHosts), "-P", gateway.port, join(dir, "server.pl"), `dev.${ns.name}@127.0.0.1:server.pl`]);
  expect(put.code, put.stderr).toBe(0);
  expect((await ssh("nohup perl server.pl >/dev/null 2>&1 </dev/null & echo started")).stdout).toBe("started\n");

  const [old, ...others] = await gatewayPods();
  expect(others, "one gateway pod before the rollout").toEqual([]);
  const options = pinnedOptions(join(dir, "key"), gateway.knownHosts);
  const term = openTerminal("ssh", [...options, "-tt", "-p", gateway.port, `dev.${ns.name}@127.0.0.1`]);
  const local = await freePort();
  const tunnel = spawn("ssh", [...options, "-N", "-o", "ExitOnForwardFailure=yes", "-L", `${local}:localhost:8080`, "-p", gateway.port, `dev.${ns.name}@127.0.0.1`]);
  const curl = () => run("curl", ["-sS", "--max-time", "5", `http://127.0.0.1:${local}/`]);
  try {
    await term.waitForText(/sprite@dev:~\$ $/m, MINUTE, "the Sprite's shell prompt");
    await waitFor(async () => (await curl()).stdout === "from-sprite", { timeoutMs: 30_000, intervalMs: 500, what: "curl through ssh -L to answer from the Sprite" });

    const restarted = Date.now();
    await kubectl(["-n", "puck-system", "rollout", "restart", "deployment/puck-gateway"]);
    await kubectl(["-n", "puck-system", "rollout", "status", "deployment/puck-gateway", "--timeout=180s"], { timeoutMs: 200_000 });
    await term.waitForText(/the SSH gateway is being replaced.*this session goes on/, MINUTE, "the drain's line in the terminal");
    console.log(`[gateway journey] rollout restart to the line in the terminal: ${Date.now() - restarted} ms`);

    // The old connections go on: a command typed now runs, the forward still carries data.
    term.write("echo after-$((6 * 7))\r");
    await term.waitForText(/after-42/, 30_000, "a command typed after the rollout");
    expect((await curl()).stdout).toBe("from-sprite");

    // Once the old pod stops accepting (the cluster's proxies have followed by then), a new
    // connection goes to the new pod; the old one is still there, draining.
    await waitFor(async () => (await podLog(old!.name)).some((l) => l.msg === "Stopped accepting connections"), { timeoutMs: 30_000, intervalMs: 500, what: "the old pod to stop accepting" });
    const pods = await gatewayPods();
    const fresh = pods.find((p) => p.name !== old!.name);
    expect(pods.find((p) => p.name === old!.name), "the old pod, draining").toMatchObject({ terminating: true });
    expect(fresh).toBeDefined();
    const newcomer = await ssh("echo new-connection");
    expect(newcomer, newcomer.stderr).toMatchObject({ code: 0, stdout: "new-connection\n" });
    const [oldLog = [], freshLog = []] = await Promise.all([old!.name, fresh!.name].map(podLog));
    const drainAt = oldLog.findIndex((l) => l.msg === "Stopped accepting connections");
    // The terminal and the forward (a readiness probe's connection may be in flight too).
    expect(oldLog[drainAt]?.connections, JSON.stringify(oldLog.slice(-5))).toBeGreaterThanOrEqual(2);
    expect(oldLog.slice(drainAt).filter((l) => l.msg === "Authenticated"), "no connection authenticated at the old pod after it stopped accepting").toEqual([]);
    expect(freshLog.find((l) => l.msg === "Authenticated")).toMatchObject({ sprite: `${ns.name}/dev`, connection: expect.any(String) });

    // Once its sessions end, the old pod exits (its grace period is an hour).
    term.write("exit\r");
    expect(await term.exited(30_000)).toBe(0);
    tunnel.kill();
    const ended = Date.now();
    await waitFor(async () => !(await gatewayPods()).some((p) => p.name === old!.name), { timeoutMs: MINUTE, intervalMs: 500, what: `the old gateway pod ${old!.name} to exit`, describe: gatewayPods });
    console.log(`[gateway journey] the old pod was gone ${Date.now() - ended} ms after its last session ended`);
  } finally {
    term.kill();
    tunnel.kill();
    await ssh("pkill -f server.pl").catch(() => undefined);
  }
}, 6 * MINUTE);

/** A gateway pod's log lines (JSON), parsed. */
async function podLog(pod: string): Promise<Record<string, unknown>[]> {
  const text = (await kubectl(["-n", "puck-system", "logs", pod])).stdout;
  return text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
}
