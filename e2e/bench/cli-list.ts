// Benchmark: wall time of `puck list` against `kubectl get sprites` on the same cluster and namespace.
// Usage: npm run bench:cli-list [-- --sprites 20 --runs 15]   (target: puck ≤ 1.5× kubectl)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { API_VERSION, KIND } from "../../operator/api/index.js";
import { installCrd, kubeconfigPath, kubectl, kubectlPath, makeNamespace } from "../lib/cluster.js";
import { run } from "../lib/exec.js";
import { ensurePuckBuilt, PUCK } from "../lib/puck-cli.js";
import { argument, median, percentile } from "../lib/stats.js";

const spriteCount = argument("--sprites", 20);
const runs = argument("--runs", 15);

async function timed(file: string, args: string[]): Promise<number> {
  const start = process.hrtime.bigint();
  await run(file, args, { env: { ...process.env, KUBECONFIG: kubeconfigPath() } });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// The floor for any Node CLI: node starting, reading the kubeconfig, one HTTPS GET, JSON.parse.
// It shows how much of puck's time is Node itself rather than puck.
const FLOOR_SCRIPT = `
import https from "node:https";
import { readFileSync } from "node:fs";
const kc = readFileSync(process.env.KUBECONFIG, "utf8");
const field = (k) => { const m = new RegExp(k + ": (\\\\S+)").exec(kc); return m ? Buffer.from(m[1], "base64").toString() : undefined; };
const server = new URL(/server: (\\S+)/.exec(kc)[1]);
https.request({ host: server.hostname, port: server.port, path: process.argv[2], ca: field("certificate-authority-data"),
  cert: field("client-certificate-data"), key: field("client-key-data") }, (res) => {
  let body = ""; res.on("data", (c) => (body += c)); res.on("end", () => JSON.parse(body));
}).end();
`;

const p90 = (xs: number[]) => percentile(xs, 0.9);

await Promise.all([ensurePuckBuilt(), installCrd()]);
const ns = await makeNamespace("bench-cli-list");
try {
  const sprites = Array.from({ length: spriteCount }, (_, i) => ({
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: `bench-${i}`, namespace: ns.name },
    spec: { image: "puck-sprite:dev" },
  }));
  await kubectl(["apply", "-f", "-"], { input: sprites.map((s) => stringify(s)).join("---\n") });
  const floorDir = mkdtempSync(join(tmpdir(), "puck-bench-"));
  const floorScript = join(floorDir, "floor.mjs");
  writeFileSync(floorScript, FLOOR_SCRIPT);
  const floorArgs = [floorScript, `/apis/${API_VERSION}/namespaces/${ns.name}/sprites`];
  const puckArgs = [PUCK, "list", "-n", ns.name];
  const kubectlArgs = ["get", "sprites", "-n", ns.name];
  // Warm the page cache and the API server's watch cache for both.
  for (let i = 0; i < 2; i++) {
    await timed(process.execPath, puckArgs);
    await timed(kubectlPath(), kubectlArgs);
  }
  const puckTimes: number[] = [];
  const kubectlTimes: number[] = [];
  const floorTimes: number[] = [];
  // Interleaved, so that load from other work on the machine hits both alike.
  for (let i = 0; i < runs; i++) {
    puckTimes.push(await timed(process.execPath, puckArgs));
    kubectlTimes.push(await timed(kubectlPath(), kubectlArgs));
    floorTimes.push(await timed(process.execPath, floorArgs));
  }
  rmSync(floorDir, { recursive: true, force: true });
  const ratio = median(puckTimes) / median(kubectlTimes);
  const f = (x: number) => `${x.toFixed(0)} ms`;
  console.log(`puck list vs kubectl get sprites: ${spriteCount} Sprites, ${runs} interleaved runs each`);
  console.log(`  puck list            median ${f(median(puckTimes))}  p90 ${f(p90(puckTimes))}  min ${f(Math.min(...puckTimes))}`);
  console.log(`  kubectl get sprites  median ${f(median(kubectlTimes))}  p90 ${f(p90(kubectlTimes))}  min ${f(Math.min(...kubectlTimes))}`);
  console.log(`  node https GET floor median ${f(median(floorTimes))}  p90 ${f(p90(floorTimes))}  min ${f(Math.min(...floorTimes))}`);
  console.log(`  floor / kubectl      ${(median(floorTimes) / median(kubectlTimes)).toFixed(2)}×  (no Node CLI can beat this)`);
  console.log(`  ratio (median)       ${ratio.toFixed(2)}×  (target ≤ 1.5×: ${ratio <= 1.5 ? "met" : "MISSED"})`);
} finally {
  await ns.remove();
}
