// Benchmark: 300 Sprites created at once reach their steady phase; the operator's peak RSS (target
// ≤ 200 MiB) and its API writes per minute at steady state with no activity (target 0).
// The node takes at most 110 pods on 2 cores, so every Sprite is created with an immediate
// hibernate request: each gets its PVC, StatefulSet (replicas 0), Service and RBAC, and settles
// Hibernating without a pod. Run: npm run bench:operator-scale   (COUNT=300, STEADY_SECONDS=60)
import { readFileSync } from "node:fs";
import { SPRITES, type Sprite } from "../../operator/api/index.js";
import type { KubeList } from "../../kube/client.js";
import { resourcePath } from "../../operator/runtime/resources.js";
import { installCrd, kubeClient, kubectl, makeNamespace } from "../lib/cluster.js";
import { metricValue, startOperator } from "../lib/operator-process.js";
import { waitFor } from "../lib/wait.js";
import { SPRITE_IMAGE } from "../lib/sprites.js";

const COUNT = Number(process.env.COUNT ?? 300);
const STEADY_SECONDS = Number(process.env.STEADY_SECONDS ?? 60);

/** Peak and current resident memory of a process, in MiB, from /proc. */
function memoryOf(pid: number): { peakMiB: number; nowMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { peakMiB: kib("VmHWM") / 1024, nowMiB: kib("VmRSS") / 1024 };
}

/** Writes other than the Lease renewals every leader makes (those are reported on their own). */
const spriteWrites = (text: string) => metricValue(text, "puck_api_writes_total") - metricValue(text, "puck_api_writes_total", { resource: "leases" });

async function main() {
  const client = await kubeClient();
  await installCrd();
  const ns = await makeNamespace("bench-scale");
  const operator = await startOperator({ namespace: ns.name });
  const scrape = async () => (await fetch(operator.metricsUrl)).text();
  let peakMiB = 0;
  const sampler = setInterval(() => (peakMiB = Math.max(peakMiB, memoryOf(operator.pid).peakMiB)), 1000);
  try {
    const started = Date.now();
    const names = Array.from({ length: COUNT }, (_, i) => `scale-${String(i).padStart(3, "0")}`);
    const requestedAt = new Date().toISOString();
    // "At once": 25 requests in flight, so creation takes seconds, not minutes.
    for (let i = 0; i < names.length; i += 25) {
      await Promise.all(
        names.slice(i, i + 25).map((name) =>
          client.request("POST", resourcePath(SPRITES, ns.name), {
            body: {
              apiVersion: "puck.sandwich.labs/v1alpha1",
              kind: "Sprite",
              metadata: { name },
              spec: { image: SPRITE_IMAGE, storageSize: "1Gi", hibernateRequestedAt: requestedAt },
            },
          }),
        ),
      );
    }
    const createdMs = Date.now() - started;
    const settled = async () => {
      const list = await client.request<KubeList>("GET", resourcePath(SPRITES, ns.name));
      const sprites = list.items as unknown as Sprite[];
      const done = sprites.filter((s) => s.status?.phase === "Hibernating" && s.status.observedGeneration === s.metadata.generation);
      return done.length === COUNT ? true : `${done.length} of ${sprites.length} Hibernating`;
    };
    let last: unknown;
    await waitFor(async () => ((last = await settled()) === true ? true : undefined), {
      what: `${COUNT} Sprites to settle Hibernating`,
      timeoutMs: 15 * 60_000,
      intervalMs: 1000,
      describe: () => last,
    });
    const settledMs = Date.now() - started;
    const stsCount = (await kubectl(["get", "statefulsets", "-n", ns.name, "--no-headers"])).stdout.trim().split("\n").length;
    const atSettle = await scrape();

    // Steady state: nothing happens for a minute; count what the operator writes meanwhile.
    const steadyStart = await scrape();
    const windowEnds = Date.now() + STEADY_SECONDS * 1000;
    await waitFor(() => Date.now() >= windowEnds, { what: "the steady-state window", timeoutMs: STEADY_SECONDS * 1000 + 5000, intervalMs: 1000 });
    const steadyEnd = await scrape();
    const perMinute = (a: number, b: number) => ((b - a) * 60) / STEADY_SECONDS;
    const memory = memoryOf(operator.pid);
    peakMiB = Math.max(peakMiB, memory.peakMiB);

    console.log(`operator-scale: ${COUNT} Sprites created at once with a hibernate request (no pods)`);
    console.log(`  created in ${(createdMs / 1000).toFixed(1)} s; all Hibernating (observedGeneration current) after ${(settledMs / 1000).toFixed(1)} s; ${stsCount} StatefulSets`);
    console.log(`  reconciles until settled: ${metricValue(atSettle, "puck_reconcile_total")} (errors ${metricValue(atSettle, "puck_reconcile_total", { result: "error" })}); API writes: ${spriteWrites(atSettle)}`);
    console.log(`  operator RSS: peak ${peakMiB.toFixed(1)} MiB, now ${memory.nowMiB.toFixed(1)} MiB   (target: peak ≤ 200 MiB)`);
    console.log(
      `  steady state over ${STEADY_SECONDS} s: ${perMinute(spriteWrites(steadyStart), spriteWrites(steadyEnd))} Sprite-related API writes/min (target 0); ` +
        `${perMinute(metricValue(steadyStart, "puck_reconcile_total"), metricValue(steadyEnd, "puck_reconcile_total"))} reconciles/min; ` +
        `${perMinute(metricValue(steadyStart, "puck_api_writes_total", { resource: "leases" }), metricValue(steadyEnd, "puck_api_writes_total", { resource: "leases" }))} Lease renewals/min`,
    );
    const events = steadyEnd.split("\n").filter((l) => l.startsWith("puck_watch_events_total"));
    const before = new Map(steadyStart.split("\n").filter((l) => l.startsWith("puck_watch_events_total")).map((l) => [l.split(" ")[0], Number(l.split(" ")[1])]));
    const changed = events.map((l) => [l.split(" ")[0]!, Number(l.split(" ")[1]) - (before.get(l.split(" ")[0]) ?? 0)] as const).filter(([, n]) => n > 0);
    console.log(`  watch events during the window: ${changed.map(([k, n]) => `${k.replace("puck_watch_events_total", "")} ${n}`).join(", ") || "none"}`);
    if (peakMiB > 200 || spriteWrites(steadyEnd) !== spriteWrites(steadyStart)) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    // The operator removes the finalizers, so it must outlive the Sprites.
    await kubectl(["delete", "sprites.puck.sandwich.labs", "--all", "-n", ns.name, "--wait=false"]).catch(() => {});
    await waitFor(async () => (await client.request<KubeList>("GET", resourcePath(SPRITES, ns.name))).items.length === 0, {
      what: "the Sprites to be deleted",
      timeoutMs: 10 * 60_000,
      intervalMs: 2000,
    }).catch((error: unknown) => console.warn(String(error)));
    await operator.stop();
    await ns.remove();
  }
}

main().catch((error: unknown) => {
  console.error(`operator-scale: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
