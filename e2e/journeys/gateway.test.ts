// The SSH gateway as `kubectl apply -k deploy` installs it: in its pod, with its own service
// account's rights, behind its Service. A hibernated Sprite is woken by a plain `ssh`.
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeHostKey } from "../../gateway/host-key.js";
import { kubectl, makeNamespace } from "../lib/cluster.js";
import { installPuck, stopInClusterOperator } from "../lib/install.js";
import { deleteSprites, ensurePuckBuilt, puck } from "../lib/puck-cli.js";
import { waitFor } from "../lib/wait.js";

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

const phase = async (name: string) =>
  (await kubectl(["-n", ns.name, "get", "sprite", name, "-o", "jsonpath={.status.phase}"])).stdout;

beforeAll(async () => {
  await ensurePuckBuilt();
  await installPuck();
  ns = await makeNamespace("gw-journey");
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
  const knownHosts = join(dir, "known_hosts");
  writeFileSync(knownHosts, `[127.0.0.1]:${nodePort} ${hostKey.publicKey}\n`);

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

