// Benchmark: a command in an awake Sprite. `puck connect NAME -- true` against `kubectl exec POD -- true`
// on the same pod, in alternating pairs with random pauses. Target: ratio of medians ≤ 1.2×.
// The operator runs here for the bench's own namespace (it makes the Sprite; an exec into an awake
// one never involves it), so no in-cluster operator is installed and the bench can share a cluster.
// Usage: npm run bench:cli-exec [-- --runs 15 --max-pause-ms 300 --compare OTHER/dist/puck.js]
// --compare times another build of puck in the same rounds (e.g. main's), as a third line.
import { childNames } from "../../operator/api/index.js";
import { installCrd, kubeconfigPath, kubectlPath, makeNamespace } from "../lib/cluster.js";
import { startOperator } from "../lib/operator-process.js";
import { ensurePuckBuilt, PUCK } from "../lib/puck-cli.js";
import { argument, median, now, randomPause, summary } from "../lib/stats.js";
import { run } from "../lib/exec.js";

const runs = argument("--runs", 15);
const maxPauseMs = argument("--max-pause-ms", 300);
const NAME = "exec-bench";
const env = { ...process.env, KUBECONFIG: kubeconfigPath() };
const compareAt = process.argv.indexOf("--compare");
const other = compareAt > 0 ? process.argv[compareAt + 1] : undefined;
// Node reads every certificate of NODE_EXTRA_CA_CERTS at its first TLS connection (kubectl never
// does): where the bench's environment sets it, puck is also timed without it, as a labelled line.
const extraCa = process.env.NODE_EXTRA_CA_CERTS;
const envWithoutExtraCa: NodeJS.ProcessEnv = { ...env, NODE_EXTRA_CA_CERTS: undefined };

await Promise.all([ensurePuckBuilt(), installCrd()]);
const ns = await makeNamespace("bench-cli-exec");
const operator = await startOperator({ namespace: ns.name });
try {
  await run(process.execPath, [PUCK, "-n", ns.name, "create", NAME, "--image", "puck-sprite:dev", "--storage", "1Gi", "--idle-timeout", "120"], { env });
  const pod = childNames(NAME).pod;
  const viaPuck = async (bin = PUCK, withEnv: NodeJS.ProcessEnv = env) => {
    const start = now();
    await run(process.execPath, [bin, "-n", ns.name, "connect", NAME, "--", "true"], { env: withEnv });
    return now() - start;
  };
  const viaKubectl = async () => {
    const start = now();
    await run(kubectlPath(), ["-n", ns.name, "exec", pod, "-c", "sprite", "--", "true"], { env });
    return now() - start;
  };
  // One of each first: the page cache and the API server's connections warm up for both alike.
  await viaPuck();
  await viaKubectl();
  if (other) await viaPuck(other);
  const puckTimes: number[] = [];
  const kubectlTimes: number[] = [];
  const otherTimes: number[] = [];
  const noExtraCaTimes: number[] = [];
  for (let r = 0; r < runs; r++) {
    const order = ["puck", "kubectl", ...(other ? ["other"] : []), ...(extraCa ? ["no-extra-ca"] : [])];
    for (const which of r % 2 === 0 ? order : order.reverse()) {
      await randomPause(maxPauseMs);
      if (which === "puck") puckTimes.push(await viaPuck());
      else if (which === "other") otherTimes.push(await viaPuck(other));
      else if (which === "no-extra-ca") noExtraCaTimes.push(await viaPuck(PUCK, envWithoutExtraCa));
      else kubectlTimes.push(await viaKubectl());
    }
  }
  const ratio = median(puckTimes) / median(kubectlTimes);
  console.log(`a command in an awake Sprite, ${runs} alternating pairs, random pauses ≤ ${maxPauseMs} ms:`);
  console.log(`  ${summary(`puck connect ${NAME} -- true`, puckTimes)}`);
  console.log(`  ${summary(`kubectl exec ${pod} -c sprite -- true`, kubectlTimes)}`);
  if (other) console.log(`  ${summary(`${other} (compared)`, otherTimes)}  ratio ${(median(otherTimes) / median(kubectlTimes)).toFixed(2)}×`);
  if (extraCa) {
    const label = `puck connect, NODE_EXTRA_CA_CERTS unset`;
    console.log(`  ${summary(label, noExtraCaTimes)}  ratio ${(median(noExtraCaTimes) / median(kubectlTimes)).toFixed(2)}× (this environment sets it to ${extraCa})`);
  }
  console.log(`  ratio of medians ${ratio.toFixed(2)}× (target ≤ 1.2×: ${ratio <= 1.2 ? "met" : "MISSED"})`);
} finally {
  // Deletes the Sprites first: their finalizer needs the operator.
  await operator.stop().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await ns.remove().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
}
