// Benchmark: a 200 MiB download from a Sprite's port through `puck port-forward`, `kubectl
// port-forward` and the gateway's `ssh -L` (the installed gateway, and this checkout's run here), in
// alternating rounds of the same run, each checked for size. Target: puck and ssh -L at ≥ 0.8× kubectl's throughput (ratio of medians).
// The Sprite runs busybox httpd; the operator runs here for the bench's own namespace, so no
// in-cluster operator is needed; the installed gateway serves ssh -L.
// Usage: npm run bench:port-forward [-- --rounds 5]
import { execFile, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import ssh2 from "ssh2";
import { KubeBackend } from "../../gateway/kube-backend.js";
import { createGatewayServer } from "../../gateway/ssh-server.js";
import { childNames } from "../../operator/api/index.js";
import { installCrd, kubeClient, kubeconfigPath, kubectlPath, makeNamespace } from "../lib/cluster.js";
import { ensureGatewayServing, publishGatewayLoadBalancer } from "../lib/install.js";
import { freePort, startOperator } from "../lib/operator-process.js";
import { deleteSprites, ensurePuckBuilt, PUCK, spawnPuck } from "../lib/puck-cli.js";
import { waitFor } from "../lib/wait.js";
import { argument, median } from "./installed.js";

const run = promisify(execFile);
const rounds = argument("--rounds", 5);
const NAME = "pf-bench";
const BYTES = 200 * 1024 * 1024;
const env = { ...process.env, KUBECONFIG: kubeconfigPath() };
const dir = mkdtempSync(join(tmpdir(), "puck-bench-pf-"));
const key = join(dir, "key");
spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);

/** One download to /dev/null: MiB/s, after checking every byte came. */
async function download(port: number): Promise<number> {
  const { stdout } = await run("curl", ["-sS", "--fail", "-o", "/dev/null", "-w", "%{size_download} %{time_total}", `http://127.0.0.1:${port}/blob`], { timeout: 300_000 });
  const [size, seconds] = stdout.split(" ").map(Number);
  if (size !== BYTES) throw new Error(`downloaded ${size} bytes, not ${BYTES}`);
  return BYTES / 1024 / 1024 / seconds!;
}

/** Waits for a "… 127.0.0.1:PORT …" line from a forwarder and returns the port. */
const portFrom = (text: () => string, pattern: RegExp, what: string) =>
  waitFor(() => pattern.exec(text())?.[1], { timeoutMs: 60_000, what, describe: text }).then(Number);

await ensurePuckBuilt();
await Promise.all([installCrd(), ensureGatewayServing()]);
const ns = await makeNamespace("bench-pf");
const operator = await startOperator({ namespace: ns.name });
const stops: (() => void)[] = [];
try {
  const puck = (args: string[]) => run(process.execPath, [PUCK, "-n", ns.name, ...args], { env, timeout: 300_000 });
  await puck(["create", NAME, "--image", "puck-busybox:dev", "--storage", "1Gi", "--cpu", "10m", "--memory", "64Mi", "--idle-timeout", "120", "--authorized-keys", `${key}.pub`]);
  await puck(["connect", NAME, "--", "sh", "-c", `mkdir -p www && head -c ${BYTES} /dev/urandom > www/blob && httpd -p 127.0.0.1:8080 -h www </dev/null >/dev/null 2>&1`]);

  const viaPuck = spawnPuck(["-n", ns.name, "port-forward", NAME, ":8080"]);
  stops.push(() => viaPuck.child.kill("SIGINT"));
  const puckPort = await portFrom(viaPuck.stdout, /127\.0\.0\.1:(\d+) ->/, "puck port-forward's line");

  const kubectl = spawn(kubectlPath(), ["-n", ns.name, "port-forward", `pod/${childNames(NAME).pod}`, ":8080"], { env });
  let kubectlOut = "";
  kubectl.stdout.on("data", (c: Buffer) => (kubectlOut += c.toString()));
  stops.push(() => kubectl.kill("SIGINT"));
  const kubectlPort = await portFrom(() => kubectlOut, /127\.0\.0\.1:(\d+) ->/, "kubectl port-forward's line");

  // ssh -L through the gateway, as `puck ssh-config` sets it up.
  await publishGatewayLoadBalancer();
  const config = join(dir, "config");
  const knownHosts = join(dir, "known_hosts");
  writeFileSync(knownHosts, (await puck(["ssh-config", "--known-hosts"])).stdout);
  writeFileSync(config, (await puck(["ssh-config", NAME])).stdout + `Host *\n  IdentityFile ${key}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${knownHosts}\n  BatchMode yes\n  LogLevel ERROR\n`);
  const sshPort = await freePort();
  const ssh = spawn("ssh", ["-F", config, "-N", "-o", "ExitOnForwardFailure=yes", "-L", `127.0.0.1:${sshPort}:localhost:8080`, `${NAME}.${ns.name}.puck`]);
  stops.push(() => ssh.kill());
  await waitFor(() => download(sshPort).then(() => true, () => false), { timeoutMs: 60_000, what: "ssh -L to carry a download" });

  // The same through this checkout's gateway code, run here (the installed one runs the image's).
  const hostKey = ssh2.utils.generateKeyPairSync("ed25519");
  const gateway = createGatewayServer({ hostKey: hostKey.private, backend: new KubeBackend(await kubeClient()), defaultNamespace: ns.name, log: () => undefined });
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  stops.push(() => gateway.close());
  const gatewayPort = (gateway.address() as AddressInfo).port;
  writeFileSync(join(dir, "known_hosts.here"), `[127.0.0.1]:${gatewayPort} ${hostKey.public}\n`);
  const herePort = await freePort();
  const here = spawn("ssh", [
    "-F", "/dev/null", "-i", key, "-o", "IdentitiesOnly=yes", "-o", `UserKnownHostsFile=${join(dir, "known_hosts.here")}`, "-o", "BatchMode=yes",
    "-o", "ExitOnForwardFailure=yes", "-N", "-p", String(gatewayPort), "-L", `127.0.0.1:${herePort}:localhost:8080`, `${NAME}@127.0.0.1`,
  ]);
  stops.push(() => here.kill());
  await waitFor(() => download(herePort).then(() => true, () => false), { timeoutMs: 60_000, what: "ssh -L through the gateway run here to carry a download" });

  const results: Record<string, number[]> = { puck: [], kubectl: [], ssh: [], here: [] };
  const ports: Record<string, number> = { puck: puckPort, kubectl: kubectlPort, ssh: sshPort, here: herePort };
  await download(puckPort);
  await download(kubectlPort);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ["puck", "kubectl", "ssh", "here"] : ["here", "ssh", "kubectl", "puck"];
    for (const which of order) results[which]!.push(await download(ports[which]!));
  }
  const load = (await run("uptime")).stdout.trim();
  const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} MiB/s (${xs.map((x) => x.toFixed(0)).join(", ")})`;
  const ratio = (which: string) => median(results[which]!) / median(results.kubectl!);
  console.log(`200 MiB downloads from busybox httpd in a Sprite, ${rounds} alternating rounds; ${load}`);
  console.log(`  kubectl port-forward            ${fmt(results.kubectl!)}`);
  console.log(`  puck port-forward               ${fmt(results.puck!)}  ${ratio("puck").toFixed(2)}× kubectl (target ≥ 0.8×: ${ratio("puck") >= 0.8 ? "met" : "MISSED"})`);
  console.log(`  ssh -L through the gateway      ${fmt(results.ssh!)}  ${ratio("ssh").toFixed(2)}× kubectl (target ≥ 0.8×: ${ratio("ssh") >= 0.8 ? "met" : "MISSED"})`);
  console.log(`  ssh -L, this checkout's gateway ${fmt(results.here!)}  ${ratio("here").toFixed(2)}× kubectl (run here, not in its pod)`);
} finally {
  for (const stop of stops) stop();
  await deleteSprites(ns.name).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await operator.stop().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await ns.remove().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
}
