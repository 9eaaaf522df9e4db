// Benchmark: how promptly the operator hibernates an idle Sprite — from its idle deadline to the
// StatefulSet at replicas 0, seen by a watch. Target: median ≤ 2 s.
// Two rounds: Sprites whose deadlines come one at a time (the usual case), then a burst of N whose
// deadlines all fall within about a second (a worst case on a 2-core node that is also starting
// their pods). Run: npm run bench:operator-hibernate   (N=20 by default; SEQ=10 for the first round)
import { SPRITES, type Sprite } from "../../operator/api/index.js";
import type { KubeObject } from "../../kube/client.js";
import { resourcePath } from "../../operator/runtime/resources.js";
import { installCrd, kubeClient, makeNamespace } from "../lib/cluster.js";
import { startOperator } from "../lib/operator-process.js";
import { waitFor } from "../lib/wait.js";
import { SPRITE_IMAGE, STAND_IN_AGENT_IMAGE } from "../lib/sprites.js";
import { median, percentile } from "../lib/stats.js";

const N = Number(process.env.N ?? 20);
const SEQ = Number(process.env.SEQ ?? 10);
// idleTimeoutMinutes 2 at scale 0.05 lasts 6 s: time enough to post every report before its deadline.
const SCALE = 0.05;
const TIMEOUT_MINUTES = 2;
const timeoutMs = TIMEOUT_MINUTES * 60_000 * SCALE;

async function main() {
  const client = await kubeClient();
  await installCrd();
  const ns = await makeNamespace("bench-hibernate");
  const operator = await startOperator({ namespace: ns.name, agentImage: STAND_IN_AGENT_IMAGE, args: ["--idle-timeout-scale", String(SCALE)] });
  const scaledToZeroAt = new Map<string, number>();
  const abort = new AbortController();
  const watching = client.watch(
    resourcePath("statefulsets", ns.name),
    {},
    (event) => {
      const sts = event.object as KubeObject & { spec?: { replicas?: number } };
      if (sts.spec?.replicas === 0 && !scaledToZeroAt.has(sts.metadata.name)) scaledToZeroAt.set(sts.metadata.name, Date.now());
    },
    abort.signal,
  );
  const hibernateAll = async (names: string[]): Promise<number[]> => {
    const deadlines = new Map<string, number>();
    await Promise.all(
      names.map(async (name) => {
        await client.request("POST", resourcePath(SPRITES, ns.name), {
          body: { apiVersion: "puck.sandwich.labs/v1alpha1", kind: "Sprite", metadata: { name }, spec: { image: SPRITE_IMAGE, storageSize: "1Gi", idleTimeoutMinutes: TIMEOUT_MINUTES } },
        });
        const wokeAt = await waitFor(
          async () => (await client.request<Sprite>("GET", resourcePath(SPRITES, ns.name, name))).status?.wokeAt,
          { what: `${name} to wake`, timeoutMs: 60_000, intervalMs: 100 },
        );
        // What the agent would post: a fresh report with no sessions and no busy processes.
        await client.request("PATCH", resourcePath(SPRITES, ns.name, name, "status"), {
          body: { status: { activeSessions: 0, activity: { reportTime: new Date().toISOString(), sessions: [], busyProcesses: [] } } },
        });
        deadlines.set(name, Date.parse(wokeAt) + timeoutMs);
      }),
    );
    const late = [...deadlines].filter(([, d]) => d < Date.now());
    if (late.length > 0) console.warn(`warning: ${late.length} report(s) were posted after their deadline`);
    await waitFor(() => names.every((n) => scaledToZeroAt.has(n)), {
      what: `${names.length} StatefulSets at replicas 0`,
      timeoutMs: timeoutMs + 60_000,
      describe: () => names.filter((n) => !scaledToZeroAt.has(n)),
    });
    return names.map((n) => scaledToZeroAt.get(n)! - deadlines.get(n)!).sort((a, b) => a - b);
  };
  const report = (label: string, latencies: number[]) =>
    console.log(
      `  ${label}: median ${median(latencies)} ms   p90 ${percentile(latencies, 0.9)} ms   min ${latencies[0]} ms   max ${latencies[latencies.length - 1]} ms`,
    );
  try {
    const sequential: number[] = [];
    for (let i = 0; i < SEQ; i++) sequential.push(...(await hibernateAll([`one-${i}`])));
    const burst = await hibernateAll(Array.from({ length: N }, (_, i) => `burst-${i}`));
    sequential.sort((a, b) => a - b);
    console.log("operator-hibernate: idle deadline → StatefulSet replicas 0 (seen by a watch); target median ≤ 2000 ms");
    report(`${SEQ} Sprites one at a time`, sequential);
    report(`${N} Sprites with deadlines within ~1 s`, burst);
    if (median(sequential) > 2000 || median(burst) > 2000) process.exitCode = 1;
  } finally {
    abort.abort();
    await watching.catch(() => {});
    await operator.stop();
    await ns.remove();
  }
}

main().catch((error: unknown) => {
  console.error(`operator-hibernate: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
