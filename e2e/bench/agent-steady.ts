// Benchmark: the agent at steady state with 200 extra processes — its RSS, its CPU use, and how
// many status writes it makes per minute. Host-side: the built agent runs on this machine against
// the real cluster (through kubectl proxy) and scans this machine's whole /proc, so it sees more
// processes than a Sprite pod would hold. Usage: MEASURE_S=120 npm run bench:agent-steady
import { execFileSync } from "node:child_process";
import { waitFor } from "../lib/wait.js";
import { benchSprite, processUsage, rerunWithoutEsbuild, startHostAgent } from "../lib/host-agent.js";
import { CLOCK_TICKS_PER_SECOND } from "../../agent/proc-scanner.js";

rerunWithoutEsbuild(import.meta.url);

const EXTRA = Number(process.env.PROCESSES ?? 200);
const WARMUP_S = Number(process.env.WARMUP_S ?? 20);
const MEASURE_S = Number(process.env.MEASURE_S ?? 130);
const name = "steady";
const { ns, proxy, recorder } = await benchSprite(name);

// 200 idle background processes, detached as nohup'ed jobs are (so they are not sessions).
const pids = execFileSync("sh", ["-c", `i=0; while [ $i -lt ${EXTRA} ]; do sleep 3600 >/dev/null 2>&1 & echo $!; i=$((i+1)); done`], { encoding: "utf8" })
  .trim()
  .split("\n")
  .map(Number);
const agent = await startHostAgent({ namespace: ns.name, name, apiUrl: proxy.url, env: { PUCK_LOG_LEVEL: "debug" } });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
try {
  await waitFor(() => recorder.events.some((e) => e.sprite.status?.activity?.reportTime), { what: "the first report", timeoutMs: 10_000, describe: agent.logs });
  await pause(WARMUP_S * 1000); // a benchmark's measuring window, not synchronisation
  const start = { atMs: Date.now(), ...processUsage(agent.pid) };
  const eventsBefore = recorder.events.length;
  let maxRss = start.rssKiB;
  const rssSamples: number[] = [];
  while (Date.now() - start.atMs < MEASURE_S * 1000) {
    await pause(1000);
    const u = processUsage(agent.pid);
    rssSamples.push(u.rssKiB);
    maxRss = Math.max(maxRss, u.rssKiB);
  }
  const end = { atMs: Date.now(), ...processUsage(agent.pid) };
  const minutes = (end.atMs - start.atMs) / 60_000;
  const cpuPercent = ((end.cpuTicks - start.cpuTicks) / CLOCK_TICKS_PER_SECOND / ((end.atMs - start.atMs) / 1000)) * 100;
  const writes = recorder.events.length - eventsBefore;
  const last = recorder.events.at(-1)?.sprite.status?.activity;
  const meanRss = rssSamples.reduce((a, b) => a + b, 0) / rssSamples.length;
  console.log(`processes the agent saw: ${last?.processCount} (${EXTRA} extra sleepers on a host)`);
  console.log(`agent RSS: mean ${(meanRss / 1024).toFixed(1)} MiB, max ${(maxRss / 1024).toFixed(1)} MiB  target ≤ 50 MiB`);
  console.log(`agent CPU: ${cpuPercent.toFixed(2)} % of one core over ${(minutes * 60).toFixed(0)} s  target ≤ 1 %`);
  const reasons: Record<string, number> = {};
  for (const line of agent.logs().split("\n")) {
    const m = /"msg":"Published activity".*?"reason":"(\w+)"/.exec(line);
    if (m) reasons[m[1]!] = (reasons[m[1]!] ?? 0) + 1;
  }
  console.log(`agent's publish reasons over its life: ${JSON.stringify(reasons)}`);
  if (process.env.SHOW_LOGS) console.log(agent.logs().split("\n").slice(-40).join("\n"));
  console.log(`status writes: ${writes} in ${minutes.toFixed(2)} min = ${(writes / minutes).toFixed(2)}/min  target ≤ 1`);
} finally {
  recorder.stop();
  await agent.stop();
  for (const pid of pids) {
    try {
      process.kill(pid);
    } catch {
      // gone
    }
  }
  proxy.stop();
  await ns.remove();
}
process.exit(0);
