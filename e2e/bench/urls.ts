// Benchmark: Sprite URLs (docs/urls.md) as a user reaches them, through the cluster's ingress (Traefik
// on the node's port 80) to the installed gateway, against the nearest thing without Puck's URLs, in
// alternating rounds of the same run:
//   first byte from hibernation (curl, the server a declared service)  vs puck connect NAME -- true  target ≤ 1.1×
//   an awake request, GET /api/ping, one connection each                 vs kubectl port-forward       target ≤ 1.2× (median, p90)
//   a 200 MiB download                                                   vs kubectl port-forward       target ≥ 0.8× throughput
//   the gateway pod's memory, idle and with 100 WebSockets open through the URL                        reported
// Beside them, to say where the time goes: the service's own start (the supervisor's files), the same
// requests straight to the gateway's ClusterIP Service (no ingress) and through `puck port-forward`
// (a fresh API-server port-forward per connection, as the gateway's upstream), the gateway's own time
// per request (its log) and the forwarders' CPU per download.
// The Sprite runs e2e/fixtures/web-app.py as a service on a public port. Puck is installed in-cluster
// with URLs on (as the journeys install it); its operator is scaled to 0 and one runs here for the
// bench's own namespace. The gateway's memory and CPU are read on the host (the local cluster's node).
// Usage (shared cluster: one in-cluster operator at a time):
//   flock /tmp/puck-install.lock npm run bench:urls [-- --rounds 5 --requests 50 --downloads 5 --mib 200 --sockets 100 --only wake,memory,latency,download]
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { WebSocket } from "ws";
import { childNames } from "../../operator/api/index.js";
import { ROOT } from "../lib/bundles.js";
import { installCrd, kubeconfigPath, kubectl, kubectlPath, makeNamespace } from "../lib/cluster.js";
import { URL_DOMAIN, ingressAddress, installPuck, stopInClusterOperator } from "../lib/install.js";
import { startOperator, type OperatorProcess } from "../lib/operator-process.js";
import { deleteSprites, ensurePuckBuilt, puck, spawnPuck } from "../lib/puck-cli.js";
import { describeSprite, readSprite, waitAsleep } from "../lib/sprites.js";
import { waitFor } from "../lib/wait.js";
import { argument, median, now, percentile, randomPause, summary } from "../lib/stats.js";
import { run } from "../lib/exec.js";

const rounds = argument("--rounds", 5);
const requests = argument("--requests", 50);
const downloads = argument("--downloads", 5);
const mib = argument("--mib", 200);
const sockets = argument("--sockets", 100);
const onlyAt = process.argv.indexOf("--only");
const only = new Set(onlyAt > 0 ? process.argv[onlyAt + 1]!.split(",") : ["wake", "memory", "latency", "download"]);
const NAME = "url-bench";
const PORT = 8000;
const POD = childNames(NAME).pod;
const env = { ...process.env, KUBECONFIG: kubeconfigPath() };
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const verdict = (met: boolean) => (met ? "met" : "MISSED");
const results: string[] = [];
const report = (line: string) => {
  results.push(line);
  console.log(line);
};

await ensurePuckBuilt();
await installPuck();
await stopInClusterOperator();
await installCrd();
const address = await ingressAddress();
const ns = await makeNamespace("bench-urls");
const HOST = `${PORT}-${NAME}--${ns.name}.${URL_DOMAIN}`;
const serviceIp = (await kubectl(["-n", "puck-system", "get", "service", "puck-gateway-http", "-o", "jsonpath={.spec.clusterIP}"])).stdout.trim();
let operator: OperatorProcess | undefined;
const cli = async (args: string[], input?: string) => {
  const r = await puck(["-n", ns.name, ...args], { timeoutMs: 300_000, ...(input !== undefined ? { input } : {}) });
  if (r.code !== 0) throw new Error(`puck ${args.join(" ")} exited with ${r.code}: ${r.stderr}`);
  return r.stdout;
};

interface Fetched {
  status: number;
  bytes: number;
  /** Seconds until the first byte of the answer (curl's time_starttransfer). */
  firstByte: number;
  total: number;
}

/**
 * Where a request goes: "url" through the ingress (the URL's name resolved to the node, as wildcard
 * DNS would), "svc" straight to the gateway's ClusterIP Service (the same gateway, no ingress), or a
 * local port (kubectl port-forward).
 */
type Via = "url" | "svc" | number;
const named = (via: Via) => (via === "url" ? "the URL" : via === "svc" ? "the gateway's Service" : `port ${via}`);

/** One request with curl, one connection. */
async function fetchOnce(path: string, via: Via): Promise<Fetched> {
  const target =
    via === "url" ? ["--resolve", `${HOST}:80:${address}`, `http://${HOST}${path}`]
    : via === "svc" ? ["--resolve", `${HOST}:80:${serviceIp}`, `http://${HOST}${path}`]
    : [`http://127.0.0.1:${via}${path}`];
  const { stdout } = await run("curl", ["-sS", "-o", "/dev/null", "--max-time", "300", "-w", "%{http_code} %{size_download} %{time_starttransfer} %{time_total}", ...target], { timeout: 310_000 });
  const [status, bytes, firstByte, total] = stdout.trim().split(" ").map(Number) as [number, number, number, number];
  return { status, bytes, firstByte, total };
}

async function fetchOk(path: string, via: Via): Promise<Fetched> {
  const f = await fetchOnce(path, via);
  if (f.status !== 200) throw new Error(`GET ${path} through ${named(via)}: status ${f.status}`);
  return f;
}

/** Each of `paths` once per round, in an order that turns every round: the samples of each. */
async function rotate<T>(count: number, paths: (() => Promise<T>)[]): Promise<T[][]> {
  const samples = paths.map(() => [] as T[]);
  for (let r = 0; r < count; r++) {
    for (let i = 0; i < paths.length; i++) {
      const which = (r + i) % paths.length;
      samples[which]!.push(await paths[which]!());
    }
  }
  return samples;
}

async function hibernated(): Promise<void> {
  await cli(["hibernate", NAME, "--yes"]);
  await waitAsleep(ns.name, NAME, 180_000, 200);
}

/**
 * When the supervisor spawned the web service and when it saw its port listen (it polls every 0.1 s,
 * then writes the state `running`), in ms since the epoch: the mtimes of its pid and state files.
 * The Sprite's pod runs on this machine's node: one clock.
 */
async function serviceTimes(): Promise<{ spawnedMs: number; listeningMs: number }> {
  const out = await cli(["connect", NAME, "--", "sh", "-c", "grep -qx state=running ~/.puck/run/web.state && date -r ~/.puck/run/web.pid +%s%3N && date -r ~/.puck/run/web.state +%s%3N"]);
  const [spawnedMs, listeningMs] = out.trim().split("\n").map(Number) as [number, number];
  return { spawnedMs, listeningMs };
}

/**
 * Where a wake that began at `startMs` went, from the Sprite's status, in ms after the start: when the
 * operator scaled it up (wokeAt) and when its machine's first process, the services' supervisor,
 * started (the agent's mainStartTime); NaN when the agent did not report it within 20 s.
 */
async function wakeSteps(startMs: number): Promise<{ scaled: number; up: number }> {
  const sprite = await waitFor(
    async () => {
      const s = await readSprite(ns.name, NAME);
      return Date.parse(s.status?.activity?.mainStartTime ?? "") >= startMs && Date.parse(s.status?.wokeAt ?? "") >= startMs ? s : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 200, what: "the agent's first report after the wake" },
  ).catch(() => undefined);
  return { scaled: Date.parse(sprite?.status?.wokeAt ?? "") - startMs, up: Date.parse(sprite?.status?.activity?.mainStartTime ?? "") - startMs };
}

const stops: (() => void)[] = [];
const openSockets: WebSocket[] = [];

/** First byte from hibernation through the URL against `puck connect NAME -- true`, alternating. */
async function benchWake(): Promise<void> {
  const url: number[] = [];
  const connect: number[] = [];
  /** Python's own start: the supervisor's spawn to the port listening. */
  const python: number[] = [];
  /**
   * The service's whole start inside the Sprite: the machine's first process (the supervisor) to the
   * port listening. Not subtracted: puck connect waits as long after the machine is up (for the agent).
   */
  const inside: number[] = [];
  const afterListening: number[] = [];
  const viaUrl = async () => {
    const startMs = Date.now();
    const f = await fetchOk("/api/ping", "url");
    const firstByte = Math.round(f.firstByte * 1000);
    const t = await serviceTimes();
    const { scaled, up } = await wakeSteps(startMs);
    // The supervisor marks the service running up to 0.1 s (its poll) and a write after the port
    // listens; the first byte, when earlier, bounds it better: the server answered by then.
    const listening = Math.min(t.listeningMs - startMs, firstByte);
    return { firstByte, scaled, up, spawned: t.spawnedMs - startMs, listening };
  };
  const viaConnect = async () => {
    const [start, startMs] = [now(), Date.now()];
    await cli(["connect", NAME, "--", "true"]);
    const took = now() - start;
    return { took, ...(await wakeSteps(startMs)) };
  };
  // One of each first: the gateway's and the CLI's first wake of the run are not measured.
  await hibernated();
  await viaUrl();
  await hibernated();
  await viaConnect();
  for (let r = 0; r < rounds; r++) {
    for (const which of r % 2 === 0 ? ["url", "connect"] : ["connect", "url"]) {
      await hibernated();
      await randomPause(1000);
      if (which === "url") {
        const u = await viaUrl();
        url.push(u.firstByte);
        python.push(u.listening - u.spawned);
        if (!Number.isNaN(u.up)) inside.push(u.listening - u.up);
        afterListening.push(u.firstByte - u.listening);
        console.log(`  round ${r + 1}: URL first byte ${u.firstByte} ms: scaled up +${u.scaled}, machine up +${u.up}, service spawned +${u.spawned}, listening by +${u.listening}, first byte +${u.firstByte}`);
      } else {
        const c = await viaConnect();
        connect.push(c.took);
        console.log(`  round ${r + 1}: puck connect  ${c.took} ms: scaled up +${c.scaled}, machine up +${c.up}, command done +${c.took}`);
      }
    }
  }
  const ratio = (xs: number[]) => median(xs) / median(connect);
  const minusPython = url.map((u, i) => u - python[i]!);
  report(`first byte from hibernation, ${rounds} alternating rounds, random pauses ≤ 1000 ms (load ${load()}):`);
  report(`  ${summary(`curl ${HOST.replace(ns.name, "NS")}/api/ping`, url)}`);
  report(`  ${summary(`puck connect ${NAME} -- true`, connect)}`);
  report(`  ratio of medians, raw (the URL as measured): ${ratio(url).toFixed(2)}× (target ≤ 1.1×: ${verdict(ratio(url) <= 1.1)})`);
  report(`  the service's start inside the Sprite, which puck connect -- true does not wait for:`);
  report(`  ${summary("python: spawned → listening", python)}`);
  report(`  ${summary("the service: machine up → listening (+supervisor)", inside)}`);
  report(`  ${summary("URL first byte after listening (0.5 s retries)", afterListening)}`);
  report(`  ratio of medians, python's start subtracted from each URL round: ${ratio(minusPython).toFixed(2)}× (target ≤ 1.1×: ${verdict(ratio(minusPython) <= 1.1)})`);
}

/**
 * `kubectl port-forward pod/POD :PORT` to the Sprite's web app: its local port. kubectl refuses (and
 * exits) while the pod's phase in the API is still Pending, which it can be for a moment after a wake
 * (puck connect's exec goes through the kubelet, which knows sooner): tried again until it forwards.
 */
async function portForward(): Promise<{ port: number; pid: number }> {
  let out = "";
  let pid = 0;
  const attempt = async (): Promise<number | undefined> => {
    const child: ChildProcess = spawn(kubectlPath(), ["-n", ns.name, "port-forward", `pod/${POD}`, `:${PORT}`], { env });
    let exited = false;
    out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    child.once("exit", () => (exited = true));
    const port = await waitFor(() => (exited ? "exited" : /127\.0\.0\.1:(\d+) ->/.exec(out)?.[1]), { timeoutMs: 60_000, what: "kubectl port-forward's line", describe: () => out });
    if (port === "exited") return undefined;
    stops.push(() => child.kill("SIGINT"));
    pid = child.pid!;
    return Number(port);
  };
  const port = await waitFor(attempt, { timeoutMs: 120_000, intervalMs: 500, what: "kubectl port-forward to forward", describe: () => out });
  await waitFor(() => fetchOk("/api/ping", port).then(() => true), { timeoutMs: 60_000, what: "the app through kubectl port-forward", describe: () => out });
  return { port, pid };
}

/** The gateway's own time for each /api/ping it served since `sinceMs` (its log's "Served" ms: arrival to the answer's end). */
async function gatewayServedMs(pod: string, sinceMs: number): Promise<number[]> {
  const { stdout } = await kubectl(["-n", "puck-system", "logs", pod, "-c", "gateway", `--since-time=${new Date(sinceMs - 1000).toISOString()}`]);
  return stdout.split("\n").flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { time?: string; msg?: string; path?: string; status?: number; ms?: number; sprite?: string };
      const mine = entry.msg === "Served" && entry.path === "/api/ping" && entry.status === 200 && entry.sprite === `${ns.name}/${NAME}`;
      return mine && entry.ms !== undefined && Date.parse(entry.time ?? "") >= sinceMs ? [entry.ms] : [];
    } catch {
      return [];
    }
  });
}

/**
 * `puck port-forward NAME :PORT`: a fresh port-forward WebSocket to the API server for every
 * connection, with the same code (kube/port-forward.ts) as the gateway's upstream, in a CLI process.
 */
async function puckPortForward(): Promise<{ port: number; pid: number }> {
  const forward = spawnPuck(["-n", ns.name, "port-forward", NAME, `:${PORT}`]);
  stops.push(() => forward.child.kill("SIGINT"));
  const port = await waitFor(() => /127\.0\.0\.1:(\d+) ->/.exec(forward.stdout())?.[1], { timeoutMs: 60_000, what: "puck port-forward's line", describe: () => forward.stdout() + forward.stderr() }).then(Number);
  await waitFor(() => fetchOk("/api/ping", port).then(() => true), { timeoutMs: 60_000, what: "the app through puck port-forward", describe: () => forward.stderr() });
  return { port, pid: forward.child.pid! };
}

async function benchLatency(pf: number, puckPf: number, gatewayPod: string): Promise<void> {
  for (let i = 0; i < 3; i++) for (const via of ["url", "svc", pf, puckPf] as const) await fetchOk("/api/ping", via);
  const sinceMs = Date.now();
  const ms = (via: Via) => async () => Math.round((await fetchOk("/api/ping", via)).total * 1000);
  const [url, svc, kube, viaPuck] = (await rotate(requests, [ms("url"), ms("svc"), ms(pf), ms(puckPf)])) as [number[], number[], number[], number[]];
  const served = await gatewayServedMs(gatewayPod, sinceMs);
  const ratio = median(url) / median(kube);
  const p90 = percentile(url, 0.9) / percentile(kube, 0.9);
  report(`an awake request, GET /api/ping, one curl and one connection each (curl's time_total), ${requests} rounds, the order turning (load ${load()}):`);
  report(`  ${summary("through the URL (ingress, gateway)", url)}`);
  report(`  ${summary("kubectl port-forward", kube)}`);
  report(`  ratio of medians ${ratio.toFixed(2)}× (target ≤ 1.2×: ${verdict(ratio <= 1.2)}), of p90s ${p90.toFixed(2)}× (target ≤ 1.2×: ${verdict(p90 <= 1.2)})`);
  report(`  beside it, where the time goes:`);
  report(`  ${summary("the gateway's Service straight (no ingress)", svc)}  ${(median(svc) / median(kube)).toFixed(2)}× kubectl`);
  if (served.length) report(`  ${summary(`the gateway's own time, its log (${served.length} requests)`, served)}`);
  report(`  ${summary("puck port-forward (a fresh forward per connection)", viaPuck)}  ${(median(viaPuck) / median(kube)).toFixed(2)}× kubectl`);
}

/** CPU seconds so far: of a process (/proc/PID/stat), or of a cgroup (cpuacct.usage, v1; cpu.stat usage_usec, v2). */
function cpuSecondsOfPid(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
function cpuSecondsOfCgroup(dirs: string[]): number {
  const v1 = dirs.find((d) => existsSync(join(d, "cpuacct.usage")));
  if (v1) return Number(readFileSync(join(v1, "cpuacct.usage"), "utf8")) / 1e9;
  const v2 = dirs.find((d) => existsSync(join(d, "cpu.stat")));
  return Number(/^usage_usec (\d+)$/m.exec(readFileSync(join(v2!, "cpu.stat"), "utf8"))?.[1]) / 1e6;
}

async function benchDownload(pf: number, pfPid: number, puckPf: number, puckPid: number, gatewayCgroups: string[]): Promise<void> {
  const path = `/big?mib=${mib}`;
  // The forwarders' CPU: the gateway's container, the ingress (Traefik, a host daemon here), kubectl.
  const traefik = Number((await run("pgrep", ["-x", "traefik"]).catch(() => ({ stdout: "" }))).stdout.trim().split("\n")[0]) || undefined;
  const meters: Record<string, () => number> = {
    gateway: () => cpuSecondsOfCgroup(gatewayCgroups),
    ...(traefik ? { traefik: () => cpuSecondsOfPid(traefik) } : {}),
    kubectl: () => cpuSecondsOfPid(pfPid),
    puck: () => cpuSecondsOfPid(puckPid),
  };
  const cpu = new Map<Via, Record<string, number[]>>();
  const once = (via: Via) => async () => {
    const before = Object.fromEntries(Object.entries(meters).map(([k, f]) => [k, f()]));
    const f = await fetchOk(path, via);
    if (f.bytes !== mib << 20) throw new Error(`downloaded ${f.bytes} bytes through ${named(via)}, not ${mib << 20}`);
    const spent = cpu.get(via) ?? {};
    for (const [k, m] of Object.entries(meters)) (spent[k] ??= []).push(m() - before[k]!);
    cpu.set(via, spent);
    return mib / f.total;
  };
  for (const via of ["url", "svc", pf, puckPf] as const) await once(via)();
  cpu.clear();
  const [url, svc, kube, viaPuck] = (await rotate(downloads, [once("url"), once("svc"), once(pf), once(puckPf)])) as [number[], number[], number[], number[]];
  const fmt = (xs: number[], via: Via) => {
    const spent = cpu.get(via)!;
    const of = (k: string) => (spent[k] ? `${k} ${median(spent[k]).toFixed(2)} s` : "");
    const cpuText = (via === pf ? ["kubectl"] : via === puckPf ? ["puck"] : via === "url" ? ["gateway", "traefik"] : ["gateway"]).map(of).filter(Boolean).join(", ");
    return `median ${median(xs).toFixed(1).padStart(5)} MiB/s (${xs.map((x) => x.toFixed(0)).join(", ")}); CPU per download: ${cpuText}`;
  };
  const ratio = median(url) / median(kube);
  report(`a ${mib} MiB download (GET ${path}, size checked), ${downloads} rounds, the order turning (load ${load()}):`);
  report(`  through the URL (ingress, gateway)           ${fmt(url, "url")}`);
  report(`  kubectl port-forward                         ${fmt(kube, pf)}`);
  report(`  throughput ratio of medians ${ratio.toFixed(2)}× (target ≥ 0.8×: ${verdict(ratio >= 0.8)})`);
  report(`  beside it, where the time goes:`);
  report(`  the gateway's Service straight (no ingress)  ${fmt(svc, "svc")}  ${(median(svc) / median(kube)).toFixed(2)}× kubectl`);
  report(`  puck port-forward                            ${fmt(viaPuck, puckPf)}  ${(median(viaPuck) / median(kube)).toFixed(2)}× kubectl`);
}

/** The installed gateway's container as the host sees it: its cgroup (cgroupfs driver) and processes. */
async function gatewayContainer(): Promise<{ pod: string; cgroup: string; cgroups: string[] }> {
  interface Pod {
    metadata: { name: string; deletionTimestamp?: string };
    status: { phase?: string; containerStatuses?: { name: string; containerID?: string; ready: boolean }[] };
  }
  const pods = (JSON.parse((await kubectl(["-n", "puck-system", "get", "pods", "-l", "app.kubernetes.io/name=puck-gateway", "-o", "json"])).stdout) as { items: Pod[] }).items;
  const live = pods.filter((p) => !p.metadata.deletionTimestamp && p.status.phase === "Running");
  if (live.length !== 1) throw new Error(`expected one running gateway pod, found ${live.map((p) => p.metadata.name).join(", ") || "none"}`);
  const container = live[0]!.status.containerStatuses?.find((c) => c.name === "gateway");
  const id = container?.containerID?.replace(/^[a-z]+:\/\//, "");
  if (!id) throw new Error(`gateway pod ${live[0]!.metadata.name} has no container ID`);
  // cgroup v2 (memory.current), or v1's memory controller (memory.usage_in_bytes) beside the others.
  const found = (await run("find", ["/sys/fs/cgroup", "-maxdepth", "8", "-type", "d", "-name", `*${id}*`])).stdout.trim().split("\n").filter(Boolean);
  const cgroup = found.find((d) => existsSync(join(d, "memory.current"))) ?? found.find((d) => existsSync(join(d, "memory.usage_in_bytes")));
  if (!cgroup) throw new Error(`the gateway container ${id}'s memory cgroup: none among ${found.join(", ") || "no directories"}`);
  return { pod: live[0]!.metadata.name, cgroup, cgroups: found };
}

interface Memory {
  /** The container cgroup's usage: memory.current (v2) or memory.usage_in_bytes (v1), everything charged to it (anon, page cache, kernel). */
  cgroupMiB: number;
  /** Its anonymous memory: memory.stat's anon (v2) or rss (v1). */
  anonMiB: number;
  peakMiB?: number;
  /** Summed over the container's processes (the node process alone): RSS and USS (private pages), peak RSS. */
  rssMiB: number;
  ussMiB: number;
  hwmMiB: number;
}

function memoryOf(cgroup: string): Memory {
  const read = (file: string) => readFileSync(join(cgroup, file), "utf8");
  const mibOf = (bytes: number) => bytes / 1024 / 1024;
  const kib = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
  const v2 = existsSync(join(cgroup, "memory.current"));
  const peakFile = v2 ? "memory.peak" : "memory.max_usage_in_bytes";
  const peak = existsSync(join(cgroup, peakFile)) ? mibOf(Number(read(peakFile))) : undefined;
  const pids = read("cgroup.procs").trim().split("\n").filter(Boolean);
  let rss = 0;
  let uss = 0;
  let hwm = 0;
  for (const pid of pids) {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    rss += kib(rollup, "Rss");
    uss += kib(rollup, "Private_Clean") + kib(rollup, "Private_Dirty");
    hwm += kib(readFileSync(`/proc/${pid}/status`, "utf8"), "VmHWM");
  }
  return {
    cgroupMiB: mibOf(Number(read(v2 ? "memory.current" : "memory.usage_in_bytes"))),
    anonMiB: mibOf(Number(new RegExp(`^${v2 ? "anon" : "rss"} (\\d+)$`, "m").exec(read("memory.stat"))?.[1] ?? 0)),
    ...(peak !== undefined ? { peakMiB: peak } : {}),
    rssMiB: rss / 1024,
    ussMiB: uss / 1024,
    hwmMiB: hwm / 1024,
  };
}

/** The median of five samples half a second apart, after a pause for the gateway to settle. */
async function settledMemory(cgroup: string): Promise<Memory> {
  await new Promise((r) => setTimeout(r, 3000));
  const samples: Memory[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(memoryOf(cgroup));
    await new Promise((r) => setTimeout(r, 500));
  }
  const m = (f: (x: Memory) => number) => median(samples.map(f));
  const last = samples.at(-1)!;
  return { cgroupMiB: m((x) => x.cgroupMiB), anonMiB: m((x) => x.anonMiB), ...(last.peakMiB !== undefined ? { peakMiB: last.peakMiB } : {}), rssMiB: m((x) => x.rssMiB), ussMiB: m((x) => x.ussMiB), hwmMiB: last.hwmMiB };
}

const memoryLine = (m: Memory) =>
  `cgroup ${m.cgroupMiB.toFixed(1)} MiB (anon ${m.anonMiB.toFixed(1)}); node process RSS ${m.rssMiB.toFixed(1)} MiB, USS ${m.ussMiB.toFixed(1)} MiB`;

/** A WebSocket through the ingress to the app's echo, open once its message came back. */
function openSocket(i: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://${address}/ws`, { headers: { host: HOST } });
  openSockets.push(ws);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`WebSocket ${i}: no echo within 120 s`)), 120_000);
    ws.once("error", (error: Error) => (clearTimeout(timer), reject(error)));
    ws.once("open", () => ws.send(`hello ${i}`));
    ws.once("message", (data: Buffer) => {
      clearTimeout(timer);
      if (data.toString() === `hello ${i}`) resolve(ws);
      else reject(new Error(`WebSocket ${i} echoed ${data.toString().slice(0, 100)}`));
    });
  });
}

async function benchMemory(fresh: Memory | undefined, cgroup: string, pod: string): Promise<void> {
  const before = await settledMemory(cgroup);
  const start = now();
  // In batches, as a page's tabs would come, not one burst at the API server.
  for (let i = 0; i < sockets; i += 25) await Promise.all(Array.from({ length: Math.min(25, sockets - i) }, (_, j) => openSocket(i + j)));
  const openedMs = now() - start;
  const withSockets = await settledMemory(cgroup);
  // Each echoes once more: all still open, their buffers used again.
  await Promise.all(
    openSockets.map(
      (ws, i) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`WebSocket ${i}: no second echo`)), 60_000);
          ws.once("message", () => (clearTimeout(timer), resolve()));
          ws.send(`again ${i}`);
        }),
    ),
  );
  const afterEcho = await settledMemory(cgroup);
  await Promise.all(openSockets.map((ws) => new Promise<void>((resolve) => (ws.once("close", () => resolve()), ws.close(1000, "done")))));
  openSockets.length = 0;
  const closed = await settledMemory(cgroup);
  const usage = existsSync(join(cgroup, "memory.current")) ? "cgroup v2 memory.current, memory.stat anon" : "cgroup v1 memory.usage_in_bytes, memory.stat rss";
  report(`the installed gateway's memory (pod ${pod}, limit 192Mi), read on the host: its container's cgroup (${usage}) and its node process (/proc/PID/smaps_rollup) (load ${load()}):`);
  if (fresh) report(`  fresh after the install, idle        ${memoryLine(fresh)}`);
  report(`  before the WebSockets                ${memoryLine(before)}`);
  report(`  ${`${sockets} WebSockets open, each echoed`.padEnd(37)}${memoryLine(withSockets)} (opened in ${openedMs} ms)`);
  report(`  the same after a second echo each    ${memoryLine(afterEcho)}`);
  report(`  after closing them                   ${memoryLine(closed)}`);
  report(`  per WebSocket: ${((withSockets.cgroupMiB - before.cgroupMiB) * 1024 / sockets).toFixed(0)} KiB of cgroup memory, ${((withSockets.ussMiB - before.ussMiB) * 1024 / sockets).toFixed(0)} KiB of USS; peak RSS ${closed.hwmMiB.toFixed(1)} MiB${closed.peakMiB !== undefined ? `, cgroup peak ${closed.peakMiB.toFixed(1)} MiB` : ""} (since the pod started)`);
}

try {
  operator = await startOperator({ namespace: ns.name, args: ["--url-domain", URL_DOMAIN] });
  const gateway = await gatewayContainer();
  const fresh = memoryOf(gateway.cgroup);
  await cli(["create", NAME, "--http", `${PORT}:public`, "--idle-timeout", "30", "--memory", "256Mi", "--storage", "1Gi"]);
  await cli(["connect", NAME, "--", "sh", "-c", "cat > web-app.py"], readFileSync(join(ROOT, "e2e/fixtures/web-app.py"), "utf8"));
  await cli(["service", "add", NAME, "web", "--port", `${PORT}`, "--", "python3", "web-app.py", `${PORT}`]);
  await waitFor(() => fetchOk("/api/ping", "url").then(() => true), { timeoutMs: 120_000, what: `the web app through ${HOST}` });
  console.log(`Sprite ${ns.name}/${NAME}: web-app.py as service "web" on public port ${PORT}, ${HOST} through the ingress at ${address}:80 (the gateway's Service: ${serviceIp}:80); operator here, the installed gateway (pod ${gateway.pod})`);
  if (only.has("wake")) await benchWake();
  // The memory before the downloads, whose garbage the gateway's heap keeps a while.
  if (only.has("memory")) await benchMemory(fresh, gateway.cgroup, gateway.pod);
  if (only.has("latency") || only.has("download")) {
    const pf = await portForward();
    const puckPf = await puckPortForward();
    if (only.has("latency")) await benchLatency(pf.port, puckPf.port, gateway.pod);
    if (only.has("download")) {
      await benchDownload(pf.port, pf.pid, puckPf.port, puckPf.pid, gateway.cgroups);
      const after = await settledMemory(gateway.cgroup);
      report(`  the gateway's memory after the downloads: ${memoryLine(after)}; peak RSS ${after.hwmMiB.toFixed(1)} MiB${after.peakMiB !== undefined ? `, cgroup peak ${after.peakMiB.toFixed(1)} MiB` : ""}`);
    }
  }
  console.log(`\nsummary (load ${load()}):\n${results.join("\n")}`);
} catch (error) {
  console.error(`the operator's last lines:\n${operator?.logs().slice(-4000)}`);
  console.error(`the Sprite: ${JSON.stringify(await describeSprite(ns.name, NAME).catch(String)).slice(0, 4000)}`);
  throw error;
} finally {
  for (const ws of openSockets) ws.terminate();
  for (const stop of stops) stop();
  await deleteSprites(ns.name).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await operator?.stop().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await ns.remove().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
}
