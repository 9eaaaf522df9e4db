// Benchmark: the SSH gateway against the Kubernetes way of doing the same, in alternating pairs with
// random pauses, each ratio from one run:
//   ssh NAME@gw true, Sprite awake        vs kubectl exec POD -- true          target ≤ 1.5×
//   ssh NAME@gw true, from hibernation    vs puck connect NAME -- true          target ≤ 1.2×
//   sftp put of 200 MiB                   vs kubectl cp of the same file        target ≥ 0.8× throughput
//   ssh -L, a 200 MiB download            vs kubectl port-forward               target ≥ 0.8× throughput
//   gateway RSS idle and with 50 shells                                          target ≤ 150 MiB
// The gateway is dist/gateway.js (`npm run build`) run here as a process with the test kubeconfig,
// and the operator too (dist/operator.js, watching only the bench's namespace): no shared in-cluster
// image is touched. Usage:
//   npm run bench:gateway [-- --runs 10 --wake-runs 10 --transfer-runs 10 --mib 200 --shells 50 --only exec,wake,sftp,forward,rss]
//   [-- --baseline OTHER/dist/gateway.js] (sftp through another build of the gateway too, in the same rounds)
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { appendFileSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { childNames } from "../../operator/api/index.js";
import { kubeconfigPath, kubectlPath, makeNamespace } from "../lib/cluster.js";
import { startGatewayProcess } from "../lib/gateway-process.js";
import { freePort, startOperator } from "../lib/operator-process.js";
import { ensurePuckBuilt, PUCK } from "../lib/puck-cli.js";
import { waitAsleep } from "../lib/sprites.js";
import { waitFor } from "../lib/wait.js";
import { pinnedOptions } from "../lib/openssh.js";
import { argument, median, now, percentile, randomPause, summary } from "../lib/stats.js";
import { run } from "../lib/exec.js";

const runs = argument("--runs", 10);
const wakeRuns = argument("--wake-runs", 10);
const transferRuns = argument("--transfer-runs", 10);
const mib = argument("--mib", 200);
const shells = argument("--shells", 50);
const onlyAt = process.argv.indexOf("--only");
const only = new Set(onlyAt > 0 ? process.argv[onlyAt + 1]!.split(",") : ["exec", "wake", "sftp", "forward", "rss"]);
const NAME = "gwb";
const POD = childNames(NAME).pod;
const env = { ...process.env, KUBECONFIG: kubeconfigPath() };
const dir = mkdtempSync(join(tmpdir(), "puck-gwbench-"));
const results: string[] = [];
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const report = (line: string) => {
  results.push(line);
  console.log(line);
};

spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", join(dir, "key")]);

const ns = await makeNamespace("bench-gw");
await ensurePuckBuilt();
const operator = await startOperator({ namespace: ns.name });
const gateway = await startGatewayProcess(ns.name);
const knownHosts = join(dir, "known_hosts");
writeFileSync(knownHosts, (await run("ssh-keyscan", ["-t", "ed25519", "-p", String(gateway.port), "127.0.0.1"])).stdout);
// --baseline BUNDLE: another build of the gateway (say, main's), for sftp to compare in the same run.
const baselineAt = process.argv.indexOf("--baseline");
const baseline = baselineAt > 0 ? await startGatewayProcess(ns.name, process.argv[baselineAt + 1]) : undefined;
if (baseline) appendFileSync(knownHosts, (await run("ssh-keyscan", ["-t", "ed25519", "-p", String(baseline.port), "127.0.0.1"])).stdout);
const sshOptions = pinnedOptions(join(dir, "key"), knownHosts);
const ssh = (args: string[]) => run("ssh", [...sshOptions, "-p", String(gateway.port), ...args], { maxBuffer: 16 * 1024 * 1024 });
const k = (args: string[]) => run(kubectlPath(), ["-n", ns.name, ...args], { env, maxBuffer: 16 * 1024 * 1024 });
const puckCli = (args: string[]) => run(process.execPath, [PUCK, "-n", ns.name, ...args], { env });
const timed = async (f: () => Promise<unknown>) => {
  const start = now();
  await f();
  return now() - start;
};

/** Alternates a and b (who goes first swaps every pair), with a random pause before each. */
async function pairs(count: number, a: () => Promise<number>, b: () => Promise<number>, before?: () => Promise<void>, maxPauseMs = 300) {
  const [as, bs] = await rounds(count, [a, b], before, maxPauseMs);
  return { as: as!, bs: bs! };
}

/** Each of `runs` once per round, in an order that turns every round: the samples of each. */
async function rounds(count: number, runs: (() => Promise<number>)[], before?: () => Promise<void>, maxPauseMs = 300) {
  const samples = runs.map(() => [] as number[]);
  for (let r = 0; r < count; r++) {
    for (let i = 0; i < runs.length; i++) {
      const which = (r + i) % runs.length;
      await before?.();
      await randomPause(maxPauseMs);
      samples[which]!.push(await runs[which]!());
    }
  }
  return samples;
}

const verdict = (met: boolean) => (met ? "met" : "MISSED");
const throughput = (ms: number) => mib / (ms / 1000);
const throughputSummary = (label: string, times: number[]) =>
  `${summary(label, times)}  = ${throughput(median(times)).toFixed(1)} MiB/s (p90 ${throughput(percentile(times, 0.9)).toFixed(1)} MiB/s)`;

async function hibernated(): Promise<void> {
  await puckCli(["hibernate", NAME, "--yes"]);
  await waitAsleep(ns.name, NAME, 120_000, 200);
}

async function benchExec(): Promise<void> {
  // One of each first: the API server's connections and the page cache warm up for both alike.
  await ssh([`${NAME}@127.0.0.1`, "true"]);
  await k(["exec", POD, "-c", "sprite", "--", "true"]);
  const { as, bs } = await pairs(runs, () => timed(() => ssh([`${NAME}@127.0.0.1`, "true"])), () => timed(() => k(["exec", POD, "-c", "sprite", "--", "true"])));
  const ratio = median(as) / median(bs);
  report(`a command in an awake Sprite, ${runs} alternating pairs (load ${load()}):`);
  report(`  ${summary(`ssh ${NAME}@gateway true`, as)}`);
  report(`  ${summary(`kubectl exec ${POD} -c sprite -- true`, bs)}`);
  report(`  ratio of medians ${ratio.toFixed(2)}×, of p90s ${(percentile(as, 0.9) / percentile(bs, 0.9)).toFixed(2)}× (target ≤ 1.5×: ${verdict(ratio <= 1.5)})`);
}

async function benchWake(): Promise<void> {
  const { as, bs } = await pairs(
    wakeRuns,
    () => timed(() => ssh([`${NAME}@127.0.0.1`, "true"])),
    () => timed(() => puckCli(["connect", NAME, "--", "true"])),
    hibernated,
    1500,
  );
  const ratio = median(as) / median(bs);
  report(`a command in a hibernated Sprite (wake included), ${wakeRuns} alternating pairs (load ${load()}):`);
  report(`  ${summary(`ssh ${NAME}@gateway true`, as)}`);
  report(`  ${summary(`puck connect ${NAME} -- true`, bs)}`);
  report(`  ratio of medians ${ratio.toFixed(2)}×, of p90s ${(percentile(as, 0.9) / percentile(bs, 0.9)).toFixed(2)}× (target ≤ 1.2×: ${verdict(ratio <= 1.2)})`);
}

async function benchSftp(file: string): Promise<void> {
  const batch = join(dir, "batch");
  writeFileSync(batch, `put ${file} up-sftp.bin\n`);
  const viaSftp = () => timed(() => run("sftp", [...sshOptions, "-P", String(gateway.port), "-b", batch, `${NAME}@127.0.0.1`]));
  const viaCp = () => timed(() => k(["cp", "-c", "sprite", file, `${POD}:/home/sprite/up-cp.bin`]));
  const viaBaseline = () => timed(() => run("sftp", [...sshOptions, "-P", String(baseline!.port), "-b", batch, `${NAME}@127.0.0.1`]));
  await viaSftp();
  await viaCp();
  const [as, bs, cs] = (await rounds(transferRuns, baseline ? [viaSftp, viaCp, viaBaseline] : [viaSftp, viaCp])) as [number[], number[], number[]?];
  const sums = (await ssh([`${NAME}@127.0.0.1`, "sha256sum up-sftp.bin up-cp.bin | cut -d' ' -f1"])).stdout.split("\n").filter(Boolean);
  const local = spawnSync("sha256sum", [file], { encoding: "utf8" }).stdout.split(" ")[0];
  const ratio = median(bs) / median(as);
  report(`upload of ${mib} MiB, ${transferRuns} alternating pairs (load ${load()}); both copies intact: ${sums.every((s) => s === local)}`);
  report(`  ${throughputSummary("sftp put through the gateway", as)}`);
  report(`  ${throughputSummary("kubectl cp", bs)}`);
  report(`  throughput ratio of medians ${ratio.toFixed(2)}× (target ≥ 0.8×: ${verdict(ratio >= 0.8)})`);
  if (cs) report(`  ${throughputSummary("sftp put through the baseline gateway", cs)}  ${(median(bs) / median(cs)).toFixed(2)}× kubectl cp`);
}

/** A one-file HTTP server on the Sprite's loopback (perl-base is in every Debian image). */
const SERVER = String.raw`use IO::Socket::INET; my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1:8080", Listen => 5, ReuseAddr => 1) or die;
while (my $c = $s->accept) { my $l; while (($l = <$c>) && $l ne "\r\n") {} open(my $f, "<", "down.bin") or die; my $n = -s $f;
  print $c "HTTP/1.0 200 OK\r\nContent-Length: $n\r\n\r\n"; my $b; while (read($f, $b, 1 << 20)) { print $c $b } close $f; close $c }`;

async function benchForward(file: string): Promise<void> {
  writeFileSync(join(dir, "server.pl"), SERVER);
  await run("scp", [...sshOptions, "-P", String(gateway.port), join(dir, "server.pl"), file, `${NAME}@127.0.0.1:`]);
  await ssh([`${NAME}@127.0.0.1`, `mv ${file.split("/").pop()} down.bin; setsid nohup perl server.pl >/dev/null 2>&1 < /dev/null &`]);
  const [sshPort, kubePort] = [await freePort(), await freePort()];
  const tunnels: ChildProcess[] = [
    spawn("ssh", [...sshOptions, "-N", "-o", "ExitOnForwardFailure=yes", "-L", `${sshPort}:localhost:8080`, "-p", String(gateway.port), `${NAME}@127.0.0.1`]),
    spawn(kubectlPath(), ["-n", ns.name, "port-forward", `pod/${POD}`, `${kubePort}:8080`], { env }),
  ];
  try {
    const local = spawnSync("sha256sum", [file], { encoding: "utf8" }).stdout.split(" ")[0];
    const download = async (port: number) => {
      const start = now();
      const { stdout } = await run("sh", ["-c", `curl -sS --fail http://127.0.0.1:${port}/ | sha256sum`]);
      const took = now() - start;
      if (stdout.split(" ")[0] !== local) throw new Error(`the download through port ${port} arrived corrupt`);
      return took;
    };
    await waitFor(() => download(sshPort).then(() => true), { timeoutMs: 60_000, intervalMs: 500, what: "the download through ssh -L" });
    await waitFor(() => download(kubePort).then(() => true), { timeoutMs: 60_000, intervalMs: 500, what: "the download through kubectl port-forward" });
    const { as, bs } = await pairs(transferRuns, () => download(sshPort), () => download(kubePort));
    const ratio = median(bs) / median(as);
    report(`download of ${mib} MiB from the Sprite's localhost:8080 (checksummed), ${transferRuns} alternating pairs (load ${load()}):`);
    report(`  ${throughputSummary("ssh -L through the gateway", as)}`);
    report(`  ${throughputSummary("kubectl port-forward", bs)}`);
    report(`  throughput ratio of medians ${ratio.toFixed(2)}× (target ≥ 0.8×: ${verdict(ratio >= 0.8)})`);
  } finally {
    for (const t of tunnels) t.kill();
  }
}

/** The gateway's resident set, from /proc (MiB). */
const rssMiB = (field: "VmRSS" | "VmHWM") => {
  const line = readFileSync(`/proc/${gateway.pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`))!;
  return Number(/(\d+)/.exec(line)![1]) / 1024;
};

/** The gateway's RSS before any session: set once the Sprite is up. */
let idleAtStart = 0;

async function benchRss(): Promise<void> {
  const idle = rssMiB("VmRSS");
  const clients: ChildProcess[] = [];
  const prompts = new Set<number>();
  try {
    for (let i = 0; i < shells; i++) {
      const client = spawn("ssh", [...sshOptions, "-tt", "-p", String(gateway.port), `${NAME}@127.0.0.1`], { stdio: ["pipe", "pipe", "pipe"] });
      client.stdout!.on("data", (d: Buffer) => {
        if (/\$ $/.test(d.toString())) prompts.add(i);
      });
      clients.push(client);
    }
    await waitFor(() => prompts.size === shells, { timeoutMs: 300_000, intervalMs: 500, what: `${shells} shells to show their prompt`, describe: () => `${prompts.size} did` });
    const busy = rssMiB("VmRSS");
    // Every shell types a little, so every session's buffers are in use.
    for (const c of clients) c.stdin!.write("echo typed\r");
    await new Promise((r) => setTimeout(r, 2000));
    const typed = rssMiB("VmRSS");
    const peak = rssMiB("VmHWM");
    report(`gateway RSS (host process, node ${process.version}) (load ${load()}):`);
    report(`  idle ${idleAtStart.toFixed(1)} MiB at start, ${idle.toFixed(1)} MiB after the benchmarks before; ${shells} concurrent shells ${busy.toFixed(1)} MiB, after typing ${typed.toFixed(1)} MiB; peak so far ${peak.toFixed(1)} MiB (target ≤ 150: ${verdict(Math.max(idle, busy, typed, peak) <= 150)})`);
  } finally {
    for (const c of clients) c.kill();
  }
}

try {
  await puckCli(["create", NAME, "--image", "puck-sprite:dev", "--storage", "2Gi", "--cpu", "10m", "--memory", "1Gi", "--idle-timeout", "120", "--authorized-keys", join(dir, "key.pub")]);
  const file = join(dir, `payload-${mib}m.bin`);
  const fd = openSync(file, "w");
  spawnSync("head", ["-c", `${mib}M`, "/dev/urandom"], { stdio: ["ignore", fd, "inherit"] });
  closeSync(fd);
  idleAtStart = rssMiB("VmRSS");
  console.log(`gateway: dist/gateway.js as a host process (pid ${gateway.pid}) with the test kubeconfig; operator: dist/operator.js host process`);
  if (only.has("exec")) await benchExec();
  if (only.has("sftp")) await benchSftp(file);
  if (only.has("forward")) await benchForward(file);
  if (only.has("rss")) await benchRss();
  if (only.has("wake")) await benchWake();
  console.log(`\nsummary (uptime: ${load()}):\n${results.join("\n")}`);
  if (process.argv.includes("--gateway-log")) console.log(gateway.log());
} finally {
  await operator.stop().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await gateway.stop();
  await baseline?.stop();
  await ns.remove().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  rmSync(dir, { recursive: true, force: true });
}
