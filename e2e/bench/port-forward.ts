// Benchmark: a 200 MiB download from a Sprite's port through `puck port-forward`, `kubectl
// port-forward` and the gateway's `ssh -L` (the installed gateway, and this checkout's run here), in
// alternating rounds of the same run, each checked for size. Target: puck and ssh -L at ≥ 0.8× kubectl's throughput (ratio of medians).
// The Sprite runs busybox httpd; the operator runs here for the bench's own namespace, so no
// in-cluster operator is needed; the installed gateway serves ssh -L. With --local-only the installed
// gateway is left alone (not installed, not scaled): only this checkout's gateway, run here, is measured.
// Beside each throughput, the CPU seconds per download of the process doing the forwarding.
// Usage: npm run bench:port-forward [-- --rounds 5] [-- --local-only] [-- --baseline OTHER/dist/gateway.js]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { childNames } from "../../operator/api/index.js";
import { installCrd, kubeconfigPath, kubectlPath, makeNamespace } from "../lib/cluster.js";
import { startGatewayProcess } from "../lib/gateway-process.js";
import { ensureGatewayServing, gatewayLoadBalancerAddress } from "../lib/install.js";
import { freePort, startOperator } from "../lib/operator-process.js";
import { deleteSprites, ensurePuckBuilt, PUCK, spawnPuck } from "../lib/puck-cli.js";
import { waitFor } from "../lib/wait.js";
import { argument, median } from "../lib/stats.js";
import { downloadMiBps } from "../lib/download.js";
import { run } from "../lib/exec.js";

const rounds = argument("--rounds", 5);
const localOnly = process.argv.includes("--local-only");
const baselineBundle = process.argv.includes("--baseline") ? process.argv[process.argv.indexOf("--baseline") + 1] : undefined;
const NAME = "pf-bench";
const BYTES = 200 * 1024 * 1024;
const env = { ...process.env, KUBECONFIG: kubeconfigPath() };
const dir = mkdtempSync(join(tmpdir(), "puck-bench-pf-"));
const key = join(dir, "key");
spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);

const download = (port: number) => downloadMiBps(port, BYTES);

/** CPU seconds a child process has used so far (user + system, from /proc). */
function cpuSecondsOf(pid: number): number {
  // Fields after the command name's closing parenthesis: utime and stime are the 12th and 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Waits for a "… 127.0.0.1:PORT …" line from a forwarder and returns the port. */
const portFrom = (text: () => string, pattern: RegExp, what: string) =>
  waitFor(() => pattern.exec(text())?.[1], { timeoutMs: 60_000, what, describe: text }).then(Number);

await ensurePuckBuilt();
await Promise.all([installCrd(), localOnly ? undefined : ensureGatewayServing()]);
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

  // ssh -L through the installed gateway, as `puck ssh-config` sets it up.
  const sshPort = localOnly ? undefined : await freePort();
  if (sshPort !== undefined) {
    await gatewayLoadBalancerAddress();
    const config = join(dir, "config");
    const knownHosts = join(dir, "known_hosts");
    writeFileSync(knownHosts, (await puck(["ssh-config", "--known-hosts"])).stdout);
    writeFileSync(config, (await puck(["ssh-config", NAME])).stdout + `Host *\n  IdentityFile ${key}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${knownHosts}\n  BatchMode yes\n  LogLevel ERROR\n`);
    const ssh = spawn("ssh", ["-F", config, "-N", "-o", "ExitOnForwardFailure=yes", "-L", `127.0.0.1:${sshPort}:localhost:8080`, `${NAME}.${ns.name}.puck`]);
    stops.push(() => ssh.kill());
    await waitFor(() => download(sshPort).then(() => true, () => false), { timeoutMs: 60_000, what: "ssh -L to carry a download" });
  }

  // The same through this checkout's gateway, run here as its image runs it (the bundle, the image's
  // Node flags, and under npm its Node version): a process of its own, whose CPU is its own.
  // --baseline BUNDLE adds another build of it (say, main's) to compare in the same run.
  const forwardThrough = async (bundle: string | undefined, label: string) => {
    const gateway = await startGatewayProcess(ns.name, bundle);
    stops.push(() => void gateway.stop());
    const knownHosts = join(dir, `known_hosts.${label}`);
    writeFileSync(knownHosts, (await run("ssh-keyscan", ["-t", "ed25519", "-p", String(gateway.port), "127.0.0.1"])).stdout);
    const port = await freePort();
    const client = spawn("ssh", [
      "-F", "/dev/null", "-i", key, "-o", "IdentitiesOnly=yes", "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "BatchMode=yes",
      "-o", "ExitOnForwardFailure=yes", "-N", "-p", String(gateway.port), "-L", `127.0.0.1:${port}:localhost:8080`, `${NAME}@127.0.0.1`,
    ]);
    stops.push(() => client.kill());
    await waitFor(() => download(port).then(() => true, () => false), { timeoutMs: 60_000, what: `ssh -L through the ${label} gateway run here to carry a download` });
    return { which: label, port, cpu: () => cpuSecondsOf(gateway.pid), clientCpu: () => cpuSecondsOf(client.pid!) };
  };
  const here = await forwardThrough(undefined, "here");
  const baseline = baselineBundle ? await forwardThrough(baselineBundle, "baseline") : undefined;

  // Each path's forwarder and the CPU it uses: the installed gateway's runs in its pod, unmeasured here.
  // ssh -L has a forwarder on this side too, the ssh client (deciphering): its CPU beside.
  const paths: { which: string; port: number; cpu?: () => number; clientCpu?: () => number }[] = [
    { which: "puck", port: puckPort, cpu: () => cpuSecondsOf(viaPuck.child.pid!) },
    { which: "kubectl", port: kubectlPort, cpu: () => cpuSecondsOf(kubectl.pid!) },
    ...(sshPort === undefined ? [] : [{ which: "ssh", port: sshPort }]),
    here,
    ...(baseline ? [baseline] : []),
  ];
  const results = new Map(paths.map((p) => [p.which, { speeds: [] as number[], cpu: [] as number[], clientCpu: [] as number[] }]));
  await download(puckPort);
  await download(kubectlPort);
  for (let r = 0; r < rounds; r++) {
    for (const path of r % 2 === 0 ? paths : [...paths].reverse()) {
      const result = results.get(path.which)!;
      const [cpuBefore, clientBefore] = [path.cpu?.(), path.clientCpu?.()];
      result.speeds.push(await download(path.port));
      if (cpuBefore !== undefined) result.cpu.push(path.cpu!() - cpuBefore);
      if (clientBefore !== undefined) result.clientCpu.push(path.clientCpu!() - clientBefore);
    }
  }
  const load = (await run("uptime")).stdout.trim();
  const fmt = (which: string) => {
    const { speeds, cpu, clientCpu } = results.get(which)!;
    const cpuText = (cpu.length ? `, forwarder CPU median ${median(cpu).toFixed(2)} s per download` : "") + (clientCpu.length ? ` (ssh client ${median(clientCpu).toFixed(2)} s)` : "");
    return `median ${median(speeds).toFixed(1)} MiB/s (${speeds.map((x) => x.toFixed(0)).join(", ")})${cpuText}`;
  };
  const ratio = (which: string) => median(results.get(which)!.speeds) / median(results.get("kubectl")!.speeds);
  const against = (which: string) => `${ratio(which).toFixed(2)}× kubectl (target ≥ 0.8×: ${ratio(which) >= 0.8 ? "met" : "MISSED"})`;
  console.log(`200 MiB downloads from busybox httpd in a Sprite, ${rounds} alternating rounds; ${load}`);
  console.log(`  kubectl port-forward            ${fmt("kubectl")}`);
  console.log(`  puck port-forward               ${fmt("puck")}  ${against("puck")}`);
  if (sshPort !== undefined) console.log(`  ssh -L through the gateway      ${fmt("ssh")}  ${against("ssh")}`);
  console.log(`  ssh -L, this checkout's gateway ${fmt("here")}  ${against("here")} (run here, not in its pod)`);
  if (baseline) console.log(`  ssh -L, the baseline gateway    ${fmt("baseline")}  ${against("baseline")} (${baselineBundle})`);
} finally {
  for (const stop of stops) stop();
  await deleteSprites(ns.name).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await operator.stop().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await ns.remove().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
}
