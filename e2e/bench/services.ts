// Benchmark: what services cost a wake. (1) Wake to shell (`puck connect NAME -- true` from
// hibernation) of a Sprite with three declared services against one with none, alternating rounds;
// target ratio of medians ≤ 1.05× (a connect does not wait for services). (2) Wake to the last
// service running (it comes after the other two), as polled through connects: reported. (3) The supervisor's memory while idle (USS: private pages of it and its
// runners, /proc/PID/smaps_rollup), target ≤ 2 MiB for the supervisor itself.
// The operator runs here for the bench's own namespace. Usage: npm run bench:services [-- --runs 5]
import { installCrd, kubeconfigPath, makeNamespace } from "../lib/cluster.js";
import { startOperator } from "../lib/operator-process.js";
import { waitFor } from "../lib/wait.js";
import { ensurePuckBuilt, PUCK } from "../lib/puck-cli.js";
import { waitAsleep } from "../lib/sprites.js";
import { argument, median, now, randomPause, summary } from "../lib/stats.js";
import { run } from "../lib/exec.js";

const runs = argument("--runs", 5);
const env = { ...process.env, KUBECONFIG: kubeconfigPath() };

await Promise.all([ensurePuckBuilt(), installCrd()]);
const ns = await makeNamespace("bench-services");
const operator = await startOperator({ namespace: ns.name, ...(process.env.PUCK_AGENT_IMAGE ? { agentImage: process.env.PUCK_AGENT_IMAGE } : {}) });
const puck = (args: string[]) => run(process.execPath, [PUCK, "-n", ns.name, ...args], { env, maxBuffer: 16 * 1024 * 1024 });

async function hibernated(name: string) {
  await puck(["hibernate", name, "--yes"]);
  await waitAsleep(ns.name, name, 180_000);
}

/** The supervisor's and its runners' private memory: "PID KiB" lines, the supervisor first. */
const USS = `sup=$(ps -eo pid,args 2>/dev/null | awk '/[s]pec=\\$\\{PUCK_SERVICES_SPEC/ {print $1; exit}');
for p in $sup $(cat ~/.puck/run/*.runner); do awk -v p=$p '/^Private_(Clean|Dirty)/ {s+=$2} END {print p, s}' /proc/$p/smaps_rollup; done`;

try {
  await puck(["create", "with-services", "--storage", "2Gi", "--idle-timeout", "120"]);
  await puck(["create", "without", "--storage", "2Gi", "--idle-timeout", "120"]);
  // What the default image has (no Python): a sleep, a shell loop, and one that comes after both.
  await puck(["service", "add", "with-services", "a", "--", "sleep", "1000000"]);
  await puck(["service", "add", "with-services", "b", "--", "/bin/sh", "-c", "while :; do sleep 60; done"]);
  await puck(["service", "add", "with-services", "c", "--after", "a", "--after", "b", "--", "sleep", "1000001"]);
  const wake = { with: [] as number[], without: [] as number[] };
  const toPort: number[] = [];
  for (let r = 0; r < runs; r++) {
    for (const which of r % 2 === 0 ? (["with", "without"] as const) : (["without", "with"] as const)) {
      const name = which === "with" ? "with-services" : "without";
      await hibernated(name);
      await randomPause(300);
      const start = now();
      await puck(["connect", name, "--", "true"]);
      wake[which].push(now() - start);
      if (which === "with") {
        await waitFor(async () => (await puck(["connect", name, "--", "/bin/sh", "-c", "grep -q '^state=running' ~/.puck/run/c.state"]).then(() => true, () => false)), {
          what: "c running",
          timeoutMs: 60_000,
          intervalMs: 20,
        });
        toPort.push(now() - start);
      }
    }
  }
  const { stdout: uss } = await puck(["connect", "with-services", "--", "/bin/sh", "-c", USS]);
  const ratio = median(wake.with) / median(wake.without);
  console.log(`wake to shell from hibernation, ${runs} alternating rounds:`);
  console.log(`  ${summary("three services", wake.with)}`);
  console.log(`  ${summary("none", wake.without)}`);
  console.log(`  ratio of medians ${ratio.toFixed(2)}× (target ≤ 1.05×: ${ratio <= 1.05 ? "met" : "MISSED"})`);
  console.log(`  ${summary("wake to the last service (after the other two) running, as polled through connects", toPort)}`);
  const lines = uss.trim().split("\n").map((l) => l.split(" ").map(Number) as [number, number]);
  console.log(`supervisor's USS: ${lines[0]?.[1]} KiB (target ≤ 2048: ${(lines[0]?.[1] ?? Infinity) <= 2048 ? "met" : "MISSED"}); its runners: ${lines.slice(1).map((l) => `${l[1]} KiB`).join(", ")}`);
} finally {
  await operator.stop().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await ns.remove().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
}
