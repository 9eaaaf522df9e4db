// `puck ssh-config`, `puck ssh-proxy` and `puck port-forward` with real clients (OpenSSH, curl) against
// the installed gateway and a Sprite of this file's namespace: a config that `ssh -F` uses as it is,
// the same through the API server as a ProxyCommand, and a forward that wakes the Sprite on its first
// connection, carries 200 MiB intact, wakes it again after a hibernation, and ends on Ctrl-C with 0.
// @needs: cluster
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { describeHostKey } from "../../gateway/host-key.js";
import { runClient } from "../lib/openssh.js";
import { kubeconfigWithToken, kubectl } from "../lib/cluster.js";
import { ensureGatewayServing, gatewayLoadBalancerAddress } from "../lib/install.js";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { puck, puckOnPath, spawnPuck, type PuckProcess } from "../lib/puck-cli.js";
import { spritePhase, waitAsleep } from "../lib/sprites.js";
import { waitFor } from "../lib/wait.js";

const MINUTE = 60_000;
const BLOB_BYTES = 200 * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), "puck-cli-ssh-"));
const key = join(dir, "key");
const ns = useOperatorNamespace("cli-ssh");
const run = (args: string[], timeoutMs = 3 * MINUTE) => puck(["-n", ns.name, ...args], { timeoutMs });
const phase = () => spritePhase(ns.name, "web");

spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "cli-ssh", "-f", key]);

/** Client options a user keeps in ~/.ssh/config's `Host *`; the blocks themselves come from puck. */
const userDefaults = (knownHosts: string) =>
  `Host *\n  IdentityFile ${key}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${knownHosts}\n  StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n`;

/** A GET whose first bytes have come, paused; finish() reads on and gives the bytes received in all. */
function startedDownload(url: string): Promise<{ finish: () => Promise<number> }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let received = 0;
      const ended = new Promise<number>((done) => {
        res.on("end", () => done(received));
        res.on("error", () => done(received));
        res.on("close", () => done(received));
      });
      res.once("data", (chunk: Buffer) => {
        received += chunk.length;
        res.pause();
        res.on("data", (more: Buffer) => (received += more.length));
        resolve({ finish: () => (res.resume(), ended) });
      });
    }).on("error", reject);
  });
}

const activeAgain = () => waitFor(async () => (await phase()) === "Active", { timeoutMs: MINUTE, what: "web to be Active", describe: phase });

async function hibernate(): Promise<void> {
  expect((await run(["hibernate", "web", "--yes"])).code).toBe(0);
  await waitAsleep(ns.name, "web", 2 * MINUTE);
}

let knownHosts: string;
/** This file's RoleBinding in puck-system: removed afterwards, since deleting the namespace does not. */
const binding = () => `puck-gateway-user-${ns.name}`;

afterAll(async () => {
  await kubectl(["-n", "puck-system", "delete", "rolebinding", binding(), "--ignore-not-found"]);
});

beforeAll(async () => {
  await ensureGatewayServing();
  const created = await run(["create", "web", "--image", "puck-busybox:dev", "--storage", "1Gi", "--cpu", "10m", "--memory", "64Mi", "--idle-timeout", "30", "--authorized-keys", `${key}.pub`]);
  expect(created.code, created.stderr).toBe(0);
  const printed = await run(["ssh-config", "--known-hosts"]);
  expect(printed.code, printed.stderr).toBe(0);
  knownHosts = join(dir, "known_hosts");
  writeFileSync(knownHosts, printed.stdout);
}, 6 * MINUTE);

describe("puck ssh-config", () => {
  it("prints the gateway's host key as its Secret holds it, read through the API server", async () => {
    const secret = (await kubectl(["-n", "puck-system", "get", "secret", "puck-gateway-host-key", "-o", "jsonpath={.data.ssh_host_ed25519_key}"])).stdout;
    const hostKey = describeHostKey(Buffer.from(secret, "base64").toString("utf8"));
    const [comment, line] = (await run(["ssh-config", "--known-hosts"])).stdout.trimEnd().split("\n");
    expect(comment).toBe(`# Puck gateway host key ${hostKey.fingerprint}`);
    expect(line).toMatch(new RegExp(`^puck-gateway\\.\\S+ ${hostKey.publicKey.replace(/[+/]/g, "\\$&")}$`));
  });

  it("its block, used as it is by `ssh -F`, reaches the Sprite at the LoadBalancer's address", async () => {
    const address = await gatewayLoadBalancerAddress();
    const block = await run(["ssh-config", "web"]);
    expect(block, block.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(block.stdout).toContain(`Host web.${ns.name}.puck\n  HostName ${address}\n  Port 2222\n  User web.${ns.name}\n`);
    const config = join(dir, "direct.config");
    writeFileSync(config, block.stdout + userDefaults(knownHosts));
    const r = await runClient("ssh", ["-F", config, `web.${ns.name}.puck`, "echo from-$(hostname); exit 3"]);
    expect(r, r.stderr).toMatchObject({ code: 3, stdout: "from-web-0\n" });
  });

  it("with --proxy, ssh goes through `puck ssh-proxy` and the API server's port-forward", async () => {
    const block = await run(["ssh-config", "web", "--proxy"]);
    expect(block.code, block.stderr).toBe(0);
    // Pinned to the context this run used, so that switching contexts later does not redirect it.
    const context = (await kubectl(["config", "current-context"])).stdout.trim();
    expect(block.stdout).toContain(`  ProxyCommand puck ssh-proxy --context ${context}\n`);
    expect(block.stdout).not.toContain("HostName");
    const config = join(dir, "proxy.config");
    writeFileSync(config, block.stdout + userDefaults(knownHosts));
    const env = { ...process.env, PATH: puckOnPath(dir) };
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = spawnSync("ssh", ["-F", config, `web.${ns.name}.puck`, "wc -c"], { input: "x".repeat(300_000), env, encoding: "utf8", timeout: 3 * MINUTE });
      resolve({ code: child.status ?? 255, stdout: child.stdout, stderr: child.stderr });
    });
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: "300000\n" });
  });

  it("a user with only the Role puck-gateway-user reads the host key, and may not read its Secret", async () => {
    // The Role as deploy/ installs it; bound to a service account of this file's namespace.
    const docs = parseAllDocuments((await kubectl(["kustomize", "deploy"])).stdout).map((d) => d.toJSON() as { kind: string; metadata: { name: string } });
    const role = docs.find((d) => d.kind === "Role" && d.metadata.name === "puck-gateway-user");
    await kubectl(["apply", "-f", "-"], { input: JSON.stringify(role) });
    await kubectl(["-n", ns.name, "create", "serviceaccount", "ssh-user"]);
    await kubectl(["-n", "puck-system", "create", "rolebinding", binding(), "--role", "puck-gateway-user", `--serviceaccount=${ns.name}:ssh-user`]);
    const token = (await kubectl(["-n", ns.name, "create", "token", "ssh-user", "--duration", "10m"])).stdout.trim();
    const kc = await kubeconfigWithToken(join(dir, "ssh-user.kubeconfig"), token);
    const r = await puck(["--kubeconfig", kc, "ssh-config", "--known-hosts"]);
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: readFileSync(knownHosts, "utf8") });
    const canRead = await kubectl(["auth", "can-i", "get", "secret/puck-gateway-host-key", "-n", "puck-system", `--as=system:serviceaccount:${ns.name}:ssh-user`]).then(
      (out) => out.stdout.trim(),
      // "no" comes with exit code 1.
      (error: Error) => String((error.cause as { stdout?: string }).stdout).trim(),
    );
    expect(canRead).toBe("no");
  });

  it("an unknown Sprite fails with one line naming it", async () => {
    const r = await run(["ssh-config", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Sprite "nope" not found in namespace ${ns.name}`);
  });
});

describe("puck port-forward", () => {
  let forward: PuckProcess;
  let url: string;
  let sha: string;

  const connections = () => forward.stderr().split("\n").filter((l) => l.includes("nothing listens on port 8080")).length;

  it("binds first, wakes the hibernated Sprite on the first connection", async () => {
    const made = await run(["connect", "web", "--", "sh", "-c", `mkdir -p www && head -c ${BLOB_BYTES} /dev/urandom > www/blob && sha256sum www/blob`]);
    expect(made.code, made.stderr).toBe(0);
    sha = made.stdout.split(" ")[0]!;
    await hibernate();

    forward = spawnPuck(["-n", ns.name, "port-forward", "web", ":8080"]);
    const port = await waitFor(() => /Forwarding 127\.0\.0\.1:(\d+) -> web:8080/.exec(forward.stdout())?.[1], { timeoutMs: MINUTE, what: "the forward's line", describe: () => forward.stderr() });
    url = `http://127.0.0.1:${port}/blob`;
    expect(await phase()).toBe("Hibernating");
    // Nothing serves the port in a freshly woken Sprite: this connection wakes it, then is closed.
    const first = await runClient("curl", ["-sS", "--max-time", "120", "-o", "/dev/null", url]);
    expect(first.code).not.toBe(0);
    await waitFor(() => connections() === 1, { timeoutMs: MINUTE, what: "the refused connection's line", describe: () => forward.stderr() });
    expect(forward.stderr()).toContain("Sprite web is awake");
    // A command ran in the new pod (the wake's probe): the operator's Active follows a moment later.
    await activeAgain();
  }, 8 * MINUTE);

  it("a port already in use fails at once, in one line", async () => {
    const port = /127\.0\.0\.1:(\d+)/.exec(forward.stdout())![1]!;
    const r = await run(["port-forward", "web", `${port}:8080`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")[0]).toBe(`error: local port ${port} on 127.0.0.1 is already in use`);
  });

  it("carries a 200 MiB download intact", async () => {
    const served = await run(["connect", "web", "--", "sh", "-c", "httpd -p 127.0.0.1:8080 -h www </dev/null >/dev/null 2>&1"]);
    expect(served.code, served.stderr).toBe(0);
    const started = Date.now();
    const r = await runClient("sh", ["-c", `curl -sS --fail --max-time 240 ${url} | sha256sum`], "", 5 * MINUTE);
    const seconds = (Date.now() - started) / 1000;
    console.log(`[port-forward] 200 MiB in ${seconds.toFixed(1)} s (${(200 / seconds).toFixed(1)} MiB/s)`);
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: `${sha}  -\n` });
  }, 6 * MINUTE);

  it("a hibernation ends the open connections; the next connection wakes the Sprite again", async () => {
    // A download that has started, then waits (its reader paused) while the Sprite hibernates.
    const download = await startedDownload(url);
    await hibernate();
    const deadline = new Promise<string>((resolve) => setTimeout(() => resolve("still open 20 s after the pod went"), 20_000).unref());
    expect(await Promise.race([download.finish(), deadline])).toBeLessThan(BLOB_BYTES);
    expect(forward.stderr()).toMatch(/puck: pod web-0 of Sprite web went away .*which ended its connections/);

    const again = await runClient("curl", ["-sS", "--max-time", "120", "-o", "/dev/null", url]);
    expect(again.code).not.toBe(0);
    await waitFor(() => connections() === 2, { timeoutMs: MINUTE, what: "the second refused connection's line", describe: () => forward.stderr() });
    expect(forward.stderr().split("Sprite web is awake").length).toBe(3);
    await activeAgain();
  }, 6 * MINUTE);

  it("Ctrl-C closes it with exit code 0", async () => {
    forward.child.kill("SIGINT");
    expect(await forward.exited).toBe(0);
  });
});
