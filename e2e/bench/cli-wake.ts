// Benchmark: wake-to-shell of Puck as installed (`kubectl apply -k deploy`, the operator in its pod):
// `puck connect NAME -- true` on a hibernated Sprite, against the naive way in the same run — an
// equal plain StatefulSet scaled 0→1, `kubectl rollout status` until Ready, `kubectl exec … true`.
// Targets: median ≤ 0.8 s, p90 ≤ 1.2 s, ratio of medians ≤ 0.9×.
// Usage (shared cluster: one in-cluster operator at a time):
//   flock /tmp/puck-install.lock npm run bench:cli-wake [-- --runs 15 --max-pause-ms 1500]
import { childNames } from "../../operator/api/index.js";
import { kubeconfigPath, kubectl, kubectlPath, makeNamespace } from "../lib/cluster.js";
import { deleteSprites, ensurePuckBuilt, PUCK } from "../lib/puck-cli.js";
import { spritePhase } from "../lib/sprites.js";
import { waitFor } from "../lib/wait.js";
import { installPuck, stopInClusterOperator } from "../lib/install.js";
import { argument, median, now, percentile, randomPause, summary } from "../lib/stats.js";
import { run } from "../lib/exec.js";

const runs = argument("--runs", 15);
const maxPauseMs = argument("--max-pause-ms", 1500);
const NAME = "wake-bench";
const BASE = "baseline";
const env = { ...process.env, KUBECONFIG: kubeconfigPath() };

await ensurePuckBuilt();
await installPuck();
const ns = await makeNamespace("bench-cli-wake");
const k = (args: string[], timeoutMs?: number) => kubectl(["-n", ns.name, ...args], timeoutMs ? { timeoutMs } : {});
/** Waits until the pod (the Sprite's, or the baseline's) is deleted. */
const podDeleted = (pod: string) =>
  waitFor(async () => (await k(["get", "pod", pod, "--ignore-not-found", "-o", "name"])).stdout.trim() === "", {
    what: `pod ${pod} gone`,
    timeoutMs: 120_000,
    intervalMs: 200,
  });

try {
  await run(process.execPath, [PUCK, "-n", ns.name, "create", NAME, "--image", "puck-sprite:dev", "--storage", "1Gi", "--idle-timeout", "120"], { env });
  // The baseline: the Sprite's own main container and an equal volume, without Puck around it.
  const sts = JSON.parse((await k(["get", "statefulset", childNames(NAME).statefulSet, "-o", "json"])).stdout);
  const main = sts.spec.template.spec.containers.find((c: { name: string }) => c.name === "sprite");
  const items = [
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: `${BASE}-home`, namespace: ns.name },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: BASE, namespace: ns.name },
      spec: {
        replicas: 0,
        serviceName: BASE,
        podManagementPolicy: "Parallel",
        selector: { matchLabels: { app: BASE } },
        template: {
          metadata: { labels: { app: BASE } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 5,
            containers: [main],
            volumes: [{ name: "home", persistentVolumeClaim: { claimName: `${BASE}-home` } }],
          },
        },
      },
    },
  ];
  await kubectl(["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items }) });
  // One warm-up binds the baseline's volume, as the Sprite's already is.
  await k(["scale", "statefulset", BASE, "--replicas=1"]);
  await k(["rollout", "status", `statefulset/${BASE}`, "--timeout=180s"], 200_000);

  const bare = async () => {
    const start = now();
    await run(kubectlPath(), ["-n", ns.name, "scale", "statefulset", BASE, "--replicas=1"], { env });
    await run(kubectlPath(), ["-n", ns.name, "rollout", "status", `statefulset/${BASE}`, "--timeout=180s"], { env });
    await run(kubectlPath(), ["-n", ns.name, "exec", `${BASE}-0`, "-c", "sprite", "--", "true"], { env });
    return now() - start;
  };
  let steps = "";
  const viaPuck = async () => {
    const start = now();
    const { stderr } = await run(process.execPath, [PUCK, "-n", ns.name, "connect", NAME, "--", "true"], { env });
    const took = now() - start;
    // puck's progress lines say where the time went: "step (elapsed)".
    steps = stderr
      .trim()
      .split("\n")
      .map((l) => l.replace(/^Waking [\w-]+: /, "").replace(/^✓ /, ""))
      .join(" → ");
    return took;
  };

  const puckTimes: number[] = [];
  const baseTimes: number[] = [];
  for (let r = 0; r < runs; r++) {
    await run(process.execPath, [PUCK, "-n", ns.name, "hibernate", NAME, "--yes"], { env });
    await k(["scale", "statefulset", BASE, "--replicas=0"]);
    await waitFor(async () => (await spritePhase(ns.name, NAME)) === "Hibernating", {
      what: "Sprite hibernated",
      timeoutMs: 120_000,
      intervalMs: 200,
    });
    await Promise.all([podDeleted(childNames(NAME).pod), podDeleted(`${BASE}-0`)]);
    // Alternate who goes first: the second starts while the node still settles after the first.
    for (const which of r % 2 === 0 ? ["puck", "bare"] : ["bare", "puck"]) {
      await randomPause(maxPauseMs);
      if (which === "puck") puckTimes.push(await viaPuck());
      else baseTimes.push(await bare());
    }
    console.log(`  run ${String(r + 1).padStart(2)}: puck ${puckTimes[r]} ms, bare StatefulSet ${baseTimes[r]} ms  (puck: ${steps})`);
  }
  const ratio = median(puckTimes) / median(baseTimes);
  const p90 = percentile(puckTimes, 0.9);
  console.log(`wake-to-shell from hibernation, installed operator, ${runs} runs each, random pauses ≤ ${maxPauseMs} ms:`);
  console.log(`  ${summary(`puck connect ${NAME} -- true`, puckTimes)}`);
  console.log(`  ${summary("scale 0→1 + rollout status + kubectl exec true", baseTimes)}`);
  console.log(`  ratio of medians ${ratio.toFixed(2)}× (target ≤ 0.9×: ${ratio <= 0.9 ? "met" : "MISSED"})`);
  console.log(`  median ${median(puckTimes)} ms (target ≤ 800: ${median(puckTimes) <= 800 ? "met" : "MISSED"}), p90 ${p90} ms (target ≤ 1200: ${p90 <= 1200 ? "met" : "MISSED"})`);
} finally {
  await deleteSprites(ns.name).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await ns.remove().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await stopInClusterOperator().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
}
