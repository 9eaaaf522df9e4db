// Benchmark: Sprite URLs (docs/urls.md) as a user reaches them, through the cluster's ingress (Traefik
// on the node's port 80) to the installed gateway, against the nearest thing without Puck's URLs, in
// alternating rounds of the same run:
//   first byte from hibernation (curl, the server a declared service)  vs puck connect NAME -- true  target ≤ 1.1×
//   an awake request, GET /api/ping, one connection each                 vs kubectl port-forward       target ≤ 1.2× (median, p90)
//   a 200 MiB download                                                   vs kubectl port-forward       target ≥ 0.8× throughput
//   the gateway pod's memory, idle and with 100 WebSockets open through the URL                        reported
// The Sprite runs e2e/fixtures/web-app.py as a service on a public port. Puck is installed in-cluster
// with URLs on (as the journeys install it); its operator is scaled to 0 and one runs here for the
// bench's own namespace. Usage (shared cluster: one in-cluster operator at a time):
//   flock /tmp/puck-install.lock npm run bench:urls [-- --rounds 5 --requests 50 --downloads 5 --mib 200 --sockets 100 --only wake,latency,download,memory]
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { WebSocket } from "ws";
import { childNames } from "../../operator/api/index.js";
import { ROOT } from "../lib/bundles.js";
import { installCrd, kubeconfigPath, kubectl, kubectlPath, makeNamespace } from "../lib/cluster.js";
import { URL_DOMAIN, ingressAddress, installPuck, stopInClusterOperator } from "../lib/install.js";
import { startOperator, type OperatorProcess } from "../lib/operator-process.js";
import { deleteSprites, ensurePuckBuilt, puck } from "../lib/puck-cli.js";
import { waitAsleep } from "../lib/sprites.js";
import { waitFor } from "../lib/wait.js";
import { argument, median, now, percentile, randomPause, summary } from "../lib/stats.js";
import { run } from "../lib/exec.js";

const rounds = argument("--rounds", 5);
const requests = argument("--requests", 50);
const downloads = argument("--downloads", 5);
const mib = argument("--mib", 200);
const sockets = argument("--sockets", 100);
const onlyAt = process.argv.indexOf("--only");
const only = new Set(onlyAt > 0 ? process.argv[onlyAt + 1]!.split(",") : ["wake", "latency", "download", "memory"]);
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

/** One request with curl, one connection: through the URL (the name resolved to the ingress, as wildcard DNS would) or to 127.0.0.1:port. */
async function fetchOnce(path: string, via: "url" | number): Promise<Fetched> {
  const target = via === "url" ? ["--resolve", `${HOST}:80:${address}`, `http://${HOST}${path}`] : [`http://127.0.0.1:${via}${path}`];
  const { stdout } = await run("curl", ["-sS", "-o", "/dev/null", "--max-time", "300", "-w", "%{http_code} %{size_download} %{time_starttransfer} %{time_total}", ...target], { timeout: 310_000 });
  const [status, bytes, firstByte, total] = stdout.trim().split(" ").map(Number) as [number, number, number, number];
  return { status, bytes, firstByte, total };
}

async function fetchOk(path: string, via: "url" | number): Promise<Fetched> {
  const f = await fetchOnce(path, via);
  if (f.status !== 200) throw new Error(`GET ${path} through ${via === "url" ? "the URL" : `port ${via}`}: status ${f.status}`);
  return f;
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

const stops: (() => void)[] = [];
const openSockets: WebSocket[] = [];

/** First byte from hibernation through the URL against `puck connect NAME -- true`, alternating. */
async function benchWake(): Promise<void> {
  const url: number[] = [];
  const connect: number[] = [];
  const serviceStart: number[] = [];
  const afterListening: number[] = [];
  const viaUrl = async () => {
    const startMs = Date.now();
    const f = await fetchOk("/api/ping", "url");
    const firstByteMs = Math.round(f.firstByte * 1000);
    const t = await serviceTimes();
    return { firstByteMs, spawned: t.spawnedMs - startMs, listening: t.listeningMs - startMs, start: t.listeningMs - t.spawnedMs, tail: startMs + firstByteMs - t.listeningMs };
  };
  const viaConnect = async () => {
    const start = now();
    await cli(["connect", NAME, "--", "true"]);
    return now() - start;
  };
  // One of each first: the gateway's and the CLI's first wake of the run are not measured.
  await hibernated();
  await viaUrl();
  await hibernated();
  await viaConnect();
  for (let r = 0; r < rounds; r++) {
    let line = "";
    for (const which of r % 2 === 0 ? ["url", "connect"] : ["connect", "url"]) {
      await hibernated();
      await randomPause(1000);
      if (which === "url") {
        const u = await viaUrl();
        url.push(u.firstByteMs);
        serviceStart.push(u.start);
        afterListening.push(u.tail);
        line += `  URL first byte ${u.firstByteMs} ms (service spawned at +${u.spawned} ms, listening at +${u.listening} ms: its start ${u.start} ms; first byte ${u.tail} ms after it listened)`;
      } else {
        connect.push(await viaConnect());
        line += `  puck connect ${connect.at(-1)} ms`;
      }
    }
    console.log(`  round ${r + 1}:${line}`);
  }
  const raw = median(url) / median(connect);
  const withoutStart = url.map((u, i) => u - serviceStart[i]!);
  const adjusted = median(withoutStart) / median(connect);
  report(`first byte from hibernation, ${rounds} alternating rounds, random pauses ≤ 1000 ms (load ${load()}):`);
  report(`  ${summary(`curl ${HOST.replace(ns.name, "NS")}/api/ping`, url)}`);
  report(`  ${summary(`puck connect ${NAME} -- true`, connect)}`);
  report(`  ${summary("the service's start (spawned → its port listening)", serviceStart)}`);
  report(`  ${summary("URL first byte minus the service's start", withoutStart)}`);
  report(`  ${summary("first byte after the port listened", afterListening)}`);
  report(`  ratio of medians, raw (URL as measured): ${raw.toFixed(2)}× (target ≤ 1.1×: ${verdict(raw <= 1.1)})`);
  report(`  ratio of medians, the service's start subtracted from each URL round: ${adjusted.toFixed(2)}× (target ≤ 1.1×: ${verdict(adjusted <= 1.1)})`);
}

/** `kubectl port-forward pod/POD :PORT` to the Sprite's web app: its local port. */
async function portForward(): Promise<number> {
  const child: ChildProcess = spawn(kubectlPath(), ["-n", ns.name, "port-forward", `pod/${POD}`, `:${PORT}`], { env });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  stops.push(() => child.kill("SIGINT"));
  const port = await waitFor(() => /127\.0\.0\.1:(\d+) ->/.exec(out)?.[1], { timeoutMs: 60_000, what: "kubectl port-forward's line", describe: () => out }).then(Number);
  await waitFor(() => fetchOk("/api/ping", port).then(() => true), { timeoutMs: 60_000, what: "the app through kubectl port-forward", describe: () => out });
  return port;
}

async function benchLatency(pf: number): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await fetchOk("/api/ping", "url");
    await fetchOk("/api/ping", pf);
  }
  const url: number[] = [];
  const kube: number[] = [];
  for (let i = 0; i < requests; i++) {
    for (const which of i % 2 === 0 ? ["url", "pf"] : ["pf", "url"]) {
      const f = await fetchOk("/api/ping", which === "url" ? "url" : pf);
      (which === "url" ? url : kube).push(Math.round(f.total * 1000));
    }
  }
  const ratio = median(url) / median(kube);
  const p90 = percentile(url, 0.9) / percentile(kube, 0.9);
  report(`an awake request, GET /api/ping, one curl and one connection each, ${requests} alternating pairs (load ${load()}):`);
  report(`  ${summary("through the URL (ingress, gateway)", url)}`);
  report(`  ${summary(`kubectl port-forward pod/${POD}`, kube)}`);
  report(`  ratio of medians ${ratio.toFixed(2)}× (target ≤ 1.2×: ${verdict(ratio <= 1.2)}), of p90s ${p90.toFixed(2)}× (target ≤ 1.2×: ${verdict(p90 <= 1.2)})`);
}

async function benchDownload(pf: number): Promise<void> {
  const path = `/big?mib=${mib}`;
  const MiBps = async (via: "url" | number) => {
    const f = await fetchOk(path, via);
    if (f.bytes !== mib << 20) throw new Error(`downloaded ${f.bytes} bytes, not ${mib << 20}`);
    return mib / f.total;
  };
  await MiBps("url");
  await MiBps(pf);
  const url: number[] = [];
  const kube: number[] = [];
  for (let r = 0; r < downloads; r++) {
    for (const which of r % 2 === 0 ? ["url", "pf"] : ["pf", "url"]) {
      if (which === "url") url.push(await MiBps("url"));
      else kube.push(await MiBps(pf));
    }
  }
  const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} MiB/s (${xs.map((x) => x.toFixed(0)).join(", ")})`;
  const ratio = median(url) / median(kube);
  report(`a ${mib} MiB download (GET ${path}, size checked), ${downloads} alternating rounds (load ${load()}):`);
  report(`  through the URL (ingress, gateway)   ${fmt(url)}`);
  report(`  kubectl port-forward                 ${fmt(kube)}`);
  report(`  throughput ratio of medians ${ratio.toFixed(2)}× (target ≥ 0.8×: ${verdict(ratio >= 0.8)})`);
}

/** The installed gateway's container as the host sees it: its cgroup (cgroupfs driver) and processes. */
async function gatewayContainer(): Promise<{ pod: string; cgroup: string }> {
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
  const found = (await run("find", ["/sys/fs/cgroup", "-maxdepth", "8", "-type", "d", "-name", `*${id}*`])).stdout.trim().split("\n").filter(Boolean);
  if (found.length !== 1) throw new Error(`the gateway container ${id}'s cgroup: found ${found.length} directories`);
  return { pod: live[0]!.metadata.name, cgroup: found[0]! };
}

interface Memory {
  /** The container cgroup's memory.current (everything charged to it: anon, page cache, kernel). */
  cgroupMiB: number;
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
  let peak: number | undefined;
  try {
    peak = mibOf(Number(read("memory.peak")));
  } catch {
    peak = undefined;
  }
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
    cgroupMiB: mibOf(Number(read("memory.current"))),
    anonMiB: mibOf(Number(/^anon (\d+)$/m.exec(read("memory.stat"))?.[1] ?? 0)),
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
  `cgroup memory.current ${m.cgroupMiB.toFixed(1)} MiB (anon ${m.anonMiB.toFixed(1)}); node process RSS ${m.rssMiB.toFixed(1)} MiB, USS ${m.ussMiB.toFixed(1)} MiB`;

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
  report(`the installed gateway's memory (pod ${pod}, limit 192Mi), read on the host from its container's cgroup and /proc (load ${load()}):`);
  if (fresh) report(`  fresh after the install, idle        ${memoryLine(fresh)}`);
  report(`  before the WebSockets                ${memoryLine(before)}`);
  report(`  ${String(sockets).padStart(3)} WebSockets open, each echoed  ${memoryLine(withSockets)} (opened in ${openedMs} ms)`);
  report(`  the same after a second echo each    ${memoryLine(afterEcho)}`);
  report(`  after closing them                   ${memoryLine(closed)}`);
  report(`  per WebSocket: ${((withSockets.cgroupMiB - before.cgroupMiB) * 1024 / sockets).toFixed(0)} KiB of cgroup memory, ${((withSockets.ussMiB - before.ussMiB) * 1024 / sockets).toFixed(0)} KiB of USS; peak RSS ${closed.hwmMiB.toFixed(1)} MiB${closed.peakMiB !== undefined ? `, cgroup memory.peak ${closed.peakMiB.toFixed(1)} MiB` : ""} (since the pod started)`);
}

try {
  operator = await startOperator({ namespace: ns.name, args: ["--url-domain", URL_DOMAIN] });
  const { pod, cgroup } = only.has("memory") ? await gatewayContainer() : { pod: "", cgroup: "" };
  const fresh = only.has("memory") ? memoryOf(cgroup) : undefined;
  await cli(["create", NAME, "--http", `${PORT}:public`, "--idle-timeout", "30", "--memory", "256Mi", "--storage", "1Gi"]);
  await cli(["connect", NAME, "--", "sh", "-c", "cat > web-app.py"], readFileSync(join(ROOT, "e2e/fixtures/web-app.py"), "utf8"));
  await cli(["service", "add", NAME, "web", "--port", `${PORT}`, "--", "python3", "web-app.py", `${PORT}`]);
  await waitFor(() => fetchOk("/api/ping", "url").then(() => true), { timeoutMs: 120_000, what: `the web app through ${HOST}` });
  console.log(`Sprite ${ns.name}/${NAME}: web-app.py as service "web" on public port ${PORT}, ${HOST} through the ingress at ${address}:80; operator here, the installed gateway`);
  if (only.has("wake")) await benchWake();
  const pf = only.has("latency") || only.has("download") ? await portForward() : 0;
  if (only.has("latency")) await benchLatency(pf);
  if (only.has("download")) await benchDownload(pf);
  if (only.has("memory")) await benchMemory(fresh, cgroup, pod);
  console.log(`\nsummary (load ${load()}):\n${results.join("\n")}`);
} finally {
  for (const ws of openSockets) ws.terminate();
  for (const stop of stops) stop();
  await deleteSprites(ns.name).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await operator?.stop().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await ns.remove().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
}
