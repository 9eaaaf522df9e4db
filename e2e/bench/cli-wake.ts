// Benchmark: wake-to-shell. `puck connect NAME -- true` on a hibernated Sprite, against the bare
// baseline in the same run: an equivalent plain StatefulSet scaled 0→1, wait until Ready, `kubectl exec
// … true`. Usage: npm run bench:cli-wake [-- --runs 5]   (target: puck ≤ 1.3× the baseline)
// A second baseline adds a do-nothing sidecar from the agent image: a Sprite's pod has two containers,
// and that one shows what the second container costs Kubernetes, apart from anything Puck does.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { childNames } from "../../operator/api/index.js";
import { installCrd, kubeconfigPath, kubectl, kubectlPath, makeNamespace } from "../lib/cluster.js";
import { startOperator } from "../lib/operator-process.js";
import { deleteSprites, ensurePuckBuilt, PUCK } from "../lib/puck-cli.js";
import { waitFor } from "../lib/wait.js";

const run = promisify(execFile);
const i = process.argv.indexOf("--runs");
const runs = i > 0 ? Number(process.argv[i + 1]) : 5;
const NAME = "wake-bench";
const BASE = "baseline";
const BASE2 = "baseline-sidecar";
const env = { ...process.env, KUBECONFIG: kubeconfigPath() };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const now = () => Number(process.hrtime.bigint() / 1_000_000n);

await Promise.all([ensurePuckBuilt(), installCrd()]);
const ns = await makeNamespace("bench-cli-wake");
const operator = await startOperator({ namespace: ns.name });
const k = (args: string[], timeoutMs?: number) => kubectl(["-n", ns.name, ...args], timeoutMs ? { timeoutMs } : {});
const podGone = (pod: string) =>
  waitFor(async () => (await k(["get", "pod", pod, "--ignore-not-found", "-o", "name"])).stdout.trim() === "", {
    what: `pod ${pod} gone`,
    timeoutMs: 120_000,
    intervalMs: 200,
  });

try {
  await run(process.execPath, [PUCK, "-n", ns.name, "create", NAME, "--storage", "1Gi", "--idle-timeout", "2h"], { env });
  // The baseline: the Sprite's own main container and an equal volume, without Puck around it.
  const sts = JSON.parse((await k(["get", "statefulset", childNames(NAME).statefulSet, "-o", "json"])).stdout);
  const main = sts.spec.template.spec.containers.find((c: { name: string }) => c.name === "sprite");
  const agent = sts.spec.template.spec.containers.find((c: { name: string }) => c.name === "agent");
  const sidecar = { name: "sidecar", image: agent.image, command: ["sleep", "infinity"] };
  const statefulSet = (name: string, containers: unknown[]) => ({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: ns.name },
    spec: {
      replicas: 0,
      serviceName: name,
      podManagementPolicy: "Parallel",
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 5,
          containers,
          volumes: [{ name: "home", persistentVolumeClaim: { claimName: `${name}-home` } }],
        },
      },
    },
  });
  const pvc = (name: string) => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: `${name}-home`, namespace: ns.name },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
  });
  const items = [pvc(BASE), statefulSet(BASE, [main]), pvc(BASE2), statefulSet(BASE2, [main, sidecar])];
  await kubectl(["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items }) });
  // One warm-up of each baseline binds its volume, as the Sprite's already is.
  for (const name of [BASE, BASE2]) {
    await k(["scale", "statefulset", name, "--replicas=1"]);
    await k(["rollout", "status", `statefulset/${name}`, "--timeout=180s"], 200_000);
  }
  const bare = async (name: string) => {
    const start = now();
    await run(kubectlPath(), ["-n", ns.name, "scale", "statefulset", name, "--replicas=1"], { env });
    await run(kubectlPath(), ["-n", ns.name, "rollout", "status", `statefulset/${name}`, "--timeout=180s"], { env });
    await run(kubectlPath(), ["-n", ns.name, "exec", `${name}-0`, "-c", "sprite", "--", "true"], { env });
    return now() - start;
  };

  const puckTimes: number[] = [];
  const baseTimes: number[] = [];
  const base2Times: number[] = [];
  for (let r = 0; r < runs; r++) {
    // Hibernate both and wait until their pods are really gone.
    await run(process.execPath, [PUCK, "-n", ns.name, "hibernate", NAME, "--yes"], { env });
    await k(["scale", "statefulset", BASE, "--replicas=0"]);
    await k(["scale", "statefulset", BASE2, "--replicas=0"]);
    await waitFor(async () => JSON.parse((await k(["get", "sprite", NAME, "-o", "json"])).stdout).status?.phase === "Hibernating", {
      what: "Sprite hibernated",
      timeoutMs: 120_000,
      intervalMs: 200,
    });
    await Promise.all([podGone(childNames(NAME).pod), podGone(`${BASE}-0`), podGone(`${BASE2}-0`)]);

    // The order rotates: whoever goes first starts while the node still tidies up after the others.
    const measurePuck = async () => {
      const start = now();
      const { stderr } = await run(process.execPath, [PUCK, "-n", ns.name, "connect", NAME, "--", "true"], { env });
      puckTimes.push(now() - start);
      return stderr;
    };
    const order = [0, 1, 2].map((x) => (x + r) % 3);
    let stderr = "";
    for (const which of order) {
      if (which === 0) stderr = await measurePuck();
      else if (which === 1) baseTimes.push(await bare(BASE));
      else base2Times.push(await bare(BASE2));
    }
    // puck's own progress lines say where the time went: "step (elapsed)".
    const steps = stderr
      .trim()
      .split("\n")
      .map((l) => l.replace(/^Waking [\w-]+: /, "").replace(/^✓ /, ""))
      .join(" → ");

    console.log(`  run ${r + 1}: puck ${puckTimes[r]} ms, baseline ${baseTimes[r]} ms, baseline with sidecar ${base2Times[r]} ms`);
    console.log(`         puck's steps: ${steps}`);
  }
  const ratio = median(puckTimes) / median(baseTimes);
  console.log(`wake-to-shell from hibernation, ${runs} runs each (same cluster, same run):`);
  console.log(`  puck connect ${NAME} -- true                      median ${median(puckTimes)} ms  min ${Math.min(...puckTimes)} ms`);
  console.log(`  scale 0→1 + rollout status + kubectl exec true  median ${median(baseTimes)} ms  min ${Math.min(...baseTimes)} ms`);
  console.log(`  same, with a sleeping sidecar                   median ${median(base2Times)} ms  min ${Math.min(...base2Times)} ms`);
  console.log(`  ratio (median)  ${ratio.toFixed(2)}×  (target ≤ 1.3×: ${ratio <= 1.3 ? "met" : "MISSED"})`);
  console.log(`  ratio to the two-container baseline  ${(median(puckTimes) / median(base2Times)).toFixed(2)}×`);
} finally {
  await deleteSprites(ns.name).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await operator.stop();
  await ns.remove();
}
