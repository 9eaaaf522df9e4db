// Benchmark: the agent in a real Sprite pod made by the real operator — detection latency of a new
// and an ended `kubectl exec -it` session, then, with 200 extra processes in the Sprite, the agent's
// memory (USS, PSS and RSS) and CPU (read from the host's /proc) and its status writes per minute at
// steady state. USS — the pages only this agent holds — is its real cost per Sprite: RSS also counts
// the node binary's file-backed pages, which every agent on a node shares through the page cache.
// With HOME_FILES=200000 the Sprite's home holds that many files, which the agent walks to measure
// the volume's own use (agent/volume-meter.ts), and the peer Sprite's agent (an empty home) is
// measured over the same window as the baseline: the walks' cost is the difference.
// Usage: npm run bench:agent-pod   (MEASURE_S=130 PROCESSES=200 ROUNDS=5 HOME_FILES=0)
//        HOME_FILES=200000 MEASURE_S=600 npm run bench:agent-pod
import { readdirSync, readFileSync } from "node:fs";
import * as pty from "node-pty";
import type { Sprite } from "../../operator/api/index.js";
import { CLOCK_TICKS_PER_SECOND } from "../../agent/proc-scanner.js";
import { installCrd, kubeconfigPath, kubectl, kubectlPath, makeNamespace } from "../lib/cluster.js";
import { startOperator } from "../lib/operator-process.js";
import { waitFor } from "../lib/wait.js";
import { processUsage, recordSprite, rerunWithoutEsbuild, startProxy } from "../lib/host-agent.js";
import { createSprite } from "../lib/sprites.js";

rerunWithoutEsbuild(import.meta.url);

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const EXTRA = Number(process.env.PROCESSES ?? 200);
const WARMUP_S = Number(process.env.WARMUP_S ?? 20);
const MEASURE_S = Number(process.env.MEASURE_S ?? 130);
const HOME_FILES = Number(process.env.HOME_FILES ?? 0);
const NAME = "bench";
const POD = `${NAME}-0`;
const PEER = `${NAME}-peer`;

await installCrd();
const ns = await makeNamespace("bench-agent-pod");
const operator = await startOperator({ namespace: ns.name });
const proxy = await startProxy();
const recorder = recordSprite(proxy.url, ns.name, NAME);
const stats = (xs: number[]) => ({ mean: Math.round(xs.reduce((a, b) => a + b, 0) / xs.length), min: Math.min(...xs), max: Math.max(...xs) });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const mib = (kib: number) => (kib / 1024).toFixed(1);

/** /proc/<pid>/smaps_rollup's kB fields (Rss, Pss, Private_Clean, ...): the kernel's sums over every mapping. */
function smapsRollup(pid: number): { Pss: number; Private_Clean: number; Private_Dirty: number } {
  const fields: Record<string, number> = {};
  for (const match of readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").matchAll(/^(\w+):\s+(\d+) kB$/gm)) fields[match[1]!] = Number(match[2]);
  const get = (k: string) => {
    if (fields[k] === undefined) throw new Error(`no ${k} in /proc/${pid}/smaps_rollup`);
    return fields[k];
  };
  return { Pss: get("Pss"), Private_Clean: get("Private_Clean"), Private_Dirty: get("Private_Dirty") };
}
type Status = NonNullable<Sprite["status"]>;
const seen = (what: string, sinceMs: number, check: (s: Status) => boolean) =>
  waitFor(() => recorder.events.find((e) => e.atMs >= sinceMs && e.sprite.status && check(e.sprite.status))?.atMs, {
    what,
    timeoutMs: 20_000,
    intervalMs: 10,
    describe: () => recorder.events.at(-1)?.sprite.status,
  });

/** The agent's process on this machine: node /app/agent.js with this namespace in its environment. */
function agentPid(sprite = NAME): number | undefined {
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/cmdline`, "utf8").includes("/app/agent.js")) continue;
      const environ = readFileSync(`/proc/${name}/environ`, "utf8").split("\0");
      if (environ.includes(`SPRITE_NAMESPACE=${ns.name}`) && environ.includes(`SPRITE_NAME=${sprite}`)) return Number(name);
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}

try {
  await createSprite(ns.name, NAME, { idleTimeoutMinutes: 30 });
  // A second Sprite beside it, as on any node with more than one: its agent maps the same node
  // binary from the same image, so those pages are shared and the measured agent's USS is its own.
  await createSprite(ns.name, PEER, { idleTimeoutMinutes: 30 });
  await waitFor(async () => (await kubectl(["get", "pod", POD, "-n", ns.name, "--ignore-not-found", "-o", "name"])).stdout.trim() !== "", { what: "the pod", timeoutMs: 60_000 });
  await kubectl(["wait", "--for=condition=Ready", `pod/${POD}`, "-n", ns.name, "--timeout=120s"], { timeoutMs: 130_000 });
  await kubectl(["wait", "--for=condition=Ready", `pod/${PEER}-0`, "-n", ns.name, "--timeout=120s"], { timeoutMs: 130_000 });
  await seen("the agent's first report", 0, (s) => s.activity?.reportTime !== undefined);
  const first = recorder.events.find((e) => e.sprite.status?.activity?.reportTime)!.sprite.status!.activity!;
  console.log(`first report: ${Date.parse(first.reportTime) - Date.parse(first.agentStartTime!)} ms after the agent started (its own clock)`);

  const opened: number[] = [];
  const ended: number[] = [];
  let floorMs = 0; // only versions after the previous round's end count
  for (let i = 0; i < ROUNDS; i++) {
    const term = pty.spawn(kubectlPath(), ["--kubeconfig", kubeconfigPath(), "exec", "-it", "-n", ns.name, POD, "-c", "sprite", "--", "bash"], { env: { PATH: process.env.PATH ?? "", TERM: "xterm" } });
    // Timed from the remote shell's first output: kubectl's own start-up is not the agent's latency.
    const t0 = await new Promise<number>((resolve) => {
      const sub = term.onData(() => {
        sub.dispose();
        resolve(Date.now());
      });
    });
    opened.push(Math.max(0, (await seen("the new session", Math.max(floorMs, t0 - 2000), (s) => (s.activeSessions ?? 0) >= 1)) - t0));
    const exited = new Promise<number>((resolve) => term.onExit(() => resolve(Date.now())));
    const t1 = Date.now();
    term.write("exit\r");
    await exited;
    const endedAt = await seen("the ended session", t1, (s) => s.activeSessions === 0);
    ended.push(endedAt - t1);
    floorMs = endedAt + 1;
  }
  console.log(`new session -> status (ms, ${ROUNDS} rounds, from the remote shell's first output): ${JSON.stringify(stats(opened))}  target ≤ 2000`);
  console.log(`ended session -> status (ms, ${ROUNDS} rounds, from typing exit):                  ${JSON.stringify(stats(ended))}  target ≤ 2000`);

  await kubectl(["exec", "-n", ns.name, POD, "-c", "sprite", "--", "sh", "-c", `i=0; while [ $i -lt ${EXTRA} ]; do nohup sleep 3600 >/dev/null 2>&1 & i=$((i+1)); done`]);
  if (HOME_FILES > 0) {
    // 200 folders of files of 0-3000 bytes, as a home with a few projects and their dependencies.
    const script = `import os\nfor i in range(${HOME_FILES}):\n  d = os.path.expanduser(f"~/tree/p{i % 200}")\n  os.makedirs(d, exist_ok=True)\n  open(f"{d}/f{i}", "w").write("x" * (i % 3000))\n`;
    const t = Date.now();
    await kubectl(["exec", "-n", ns.name, POD, "-c", "sprite", "--", "python3", "-c", script], { timeoutMs: 600_000 });
    console.log(`home: ${HOME_FILES} files written in ${Date.now() - t} ms`);
  }
  const pid = await waitFor(() => agentPid(), { what: "the agent's process on this machine", timeoutMs: 5000 });
  const peerPid = await waitFor(() => agentPid(PEER), { what: "the peer agent's process on this machine", timeoutMs: 5000 });
  // From the node process's start (the kernel's record, on this machine's clock) to its first report.
  const bootMs = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]) * 1000;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const startedMs = bootMs + (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]) * 1000) / CLOCK_TICKS_PER_SECOND;
  console.log(`first report: ${Date.parse(first.reportTime) - startedMs} ms after the agent's process started (node start-up included)  target ≤ 1000`);
  await pause(WARMUP_S * 1000); // a benchmark's measuring window, not synchronisation
  const start = { atMs: Date.now(), ...processUsage(pid) };
  const peerStart = processUsage(peerPid);
  const reportsBefore = new Set(recorder.events.map((e) => e.sprite.status?.activity?.reportTime)).size;
  const rss: number[] = [];
  const uss: number[] = [];
  const pss: number[] = [];
  const peerUss: number[] = [];
  while (Date.now() - start.atMs < MEASURE_S * 1000) {
    await pause(1000);
    rss.push(processUsage(pid).rssKiB);
    const rollup = smapsRollup(pid);
    uss.push(rollup.Private_Clean + rollup.Private_Dirty);
    pss.push(rollup.Pss);
    const peerRollup = smapsRollup(peerPid);
    peerUss.push(peerRollup.Private_Clean + peerRollup.Private_Dirty);
  }
  const end = { atMs: Date.now(), ...processUsage(pid) };
  const peerEnd = processUsage(peerPid);
  const seconds = (end.atMs - start.atMs) / 1000;
  // Count the agent's writes only: the operator writes the same status (conditions, hibernatesAt).
  const writes = new Set(recorder.events.map((e) => e.sprite.status?.activity?.reportTime)).size - reportsBefore;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB$`, "m").exec(status)?.[1] ?? NaN) / 1024;
  console.log(`processes the agent counts in the Sprite: ${recorder.events.at(-1)?.sprite.status?.activity?.processCount}`);
  console.log(
    `agent RSS: mean ${(rss.reduce((a, b) => a + b, 0) / rss.length / 1024).toFixed(1)} MiB, max ${(Math.max(...rss) / 1024).toFixed(1)} MiB ` +
      `(now: anonymous ${field("RssAnon").toFixed(1)} MiB + file-backed ${field("RssFile").toFixed(1)} MiB, shared with other agents through the page cache)`,
  );
  console.log(`agent PSS: mean ${mib(mean(pss))} MiB, max ${mib(Math.max(...pss))} MiB (its share of the shared pages included)`);
  console.log(`agent USS: mean ${mib(mean(uss))} MiB, max ${mib(Math.max(...uss))} MiB (pages only it holds: its cost per Sprite)  target ≤ 30 MiB`);
  console.log(`agent CPU: ${(((end.cpuTicks - start.cpuTicks) / CLOCK_TICKS_PER_SECOND / seconds) * 100).toFixed(2)} % of one core over ${seconds.toFixed(0)} s  target ≤ 1 %`);
  if (HOME_FILES > 0) {
    const cpu = (a: { cpuTicks: number }, b: { cpuTicks: number }) => ((b.cpuTicks - a.cpuTicks) / CLOCK_TICKS_PER_SECOND / seconds) * 100;
    const disk = recorder.events.at(-1)?.sprite.status?.disk;
    console.log(`the volume as last reported: ${disk?.volumeBytes} bytes, measured at ${disk?.volumeMeasuredAt}`);
    console.log(
      `with ${HOME_FILES} files in the home, against the peer agent (empty home) over the same ${seconds.toFixed(0)} s: ` +
        `CPU ${cpu(start, end).toFixed(2)} % vs ${cpu(peerStart, peerEnd).toFixed(2)} % (difference ${(cpu(start, end) - cpu(peerStart, peerEnd)).toFixed(2)} % of a core, target ≤ 1 %); ` +
        `USS mean ${mib(mean(uss))} vs ${mib(mean(peerUss))} MiB (difference ${mib(mean(uss) - mean(peerUss))} MiB, target ≤ 5), max ${mib(Math.max(...uss))} vs ${mib(Math.max(...peerUss))} MiB`,
    );
  }
  console.log(`agent status writes: ${writes} in ${(seconds / 60).toFixed(2)} min = ${(writes / (seconds / 60)).toFixed(2)}/min  target ≤ 1`);
} finally {
  recorder.stop();
  proxy.stop();
  await operator.stop();
  await ns.remove();
}
process.exit(0);
