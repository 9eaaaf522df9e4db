// Benchmark: what a persisted machine costs. (1) Wake to shell: `puck connect NAME -- true` from
// hibernation on a Sprite whose whole disk persists against one that persists only its home (as every
// Sprite did before), alternating rounds; target ratio of medians ≤ 1.05×. (2) Create to shell of a new
// default-image Sprite, machine against home-only (the seed's cost on a first start), reported. (3) The
// seed's copy rate (its log: KiB in ms) against `cp -a` of the same tree on the same disk (the seeded
// system, copied beside it on the node); target ≥ 0.8×. Both copies read a cold tree: the page cache
// is dropped before each (as root), or the copy of a tree the seed has just written would read memory.
// The operator runs here for the bench's own namespace. Usage: npm run bench:machine [-- --runs 9 --creates 3]
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { installCrd, kubeconfigPath, kubectl, makeNamespace } from "../lib/cluster.js";
import { startOperator } from "../lib/operator-process.js";
import { ensurePuckBuilt, PUCK } from "../lib/puck-cli.js";
import { getObject, waitAsleep } from "../lib/sprites.js";
import { argument, median, now, randomPause, summary } from "../lib/stats.js";
import { run } from "../lib/exec.js";

const runs = argument("--runs", 9);
const creates = argument("--creates", 3);
const env = { ...process.env, KUBECONFIG: kubeconfigPath() };

await Promise.all([ensurePuckBuilt(), installCrd()]);
const ns = await makeNamespace("bench-machine");
const operator = await startOperator({ namespace: ns.name });
const puck = (args: string[]) => run(process.execPath, [PUCK, "-n", ns.name, ...args], { env, maxBuffer: 16 * 1024 * 1024 });

async function hibernated(name: string) {
  await puck(["hibernate", name, "--yes"]);
  await waitAsleep(ns.name, name, 120_000);
}

/** Written pages flushed and the page cache dropped, so the next copy reads its tree from the disk. */
async function coldCache(): Promise<boolean> {
  await run("sync");
  try {
    writeFileSync("/proc/sys/vm/drop_caches", "3");
    return true;
  } catch {
    return false;
  }
}

async function timed(args: string[]): Promise<number> {
  const start = now();
  await puck(args);
  return now() - start;
}

try {
  // (2) Create to shell, alternating which goes first.
  const createTimes = { machine: [] as number[], home: [] as number[] };
  for (let r = 0; r < creates; r++) {
    for (const mode of r % 2 === 0 ? (["machine", "home"] as const) : (["home", "machine"] as const)) {
      const name = `new-${mode}-${r}`;
      // The first seed's rate is measured below, from a cold cache like the cp it is set against; the
      // first home-only create starts as cold, so the round stays a fair pair.
      if (r === 0) await coldCache();
      createTimes[mode].push(await timed(["create", name, "--persist", mode, "--storage", "2Gi", "--idle-timeout", "120"]) + (await timed(["connect", name, "--", "true"])));
    }
  }
  // (3) The seed's rate, from the first machine Sprite's setup log, against cp -a of its system on the node.
  const { stdout: log } = await kubectl(["logs", "-n", ns.name, "new-machine-0-0", "-c", "volume-setup"]);
  const seeded = /Seeded the system: (\d+) KiB in (\d+) ms/.exec(log);
  const pvc = await getObject<{ spec: { volumeName: string } }>("pvc", ns.name, "new-machine-0-home");
  const pv = await getObject<{ spec: { hostPath?: { path: string }; local?: { path: string } } }>("pv", "", pvc!.spec.volumeName);
  const volume = (pv!.spec.hostPath ?? pv!.spec.local)!.path;
  const copy = join(volume, "bench-cp-copy");
  const cold = await coldCache();
  if (!cold) console.log("(the page cache could not be dropped, not being root: the cp below may read its tree from memory)");
  const cpStart = now();
  await run("cp", ["-a", join(volume, "system"), copy]);
  await run("sync", ["-f", copy]);
  const cpMs = now() - cpStart;
  rmSync(copy, { recursive: true, force: true });

  // (1) Wake to shell from hibernation, alternating.
  await puck(["create", "wake-machine", "--storage", "2Gi", "--idle-timeout", "120"]);
  await puck(["create", "wake-home", "--persist", "home", "--storage", "2Gi", "--idle-timeout", "120"]);
  const wakeTimes = { machine: [] as number[], home: [] as number[] };
  for (let r = 0; r < runs; r++) {
    for (const mode of r % 2 === 0 ? (["machine", "home"] as const) : (["home", "machine"] as const)) {
      await hibernated(`wake-${mode}`);
      await randomPause(300);
      wakeTimes[mode].push(await timed(["connect", `wake-${mode}`, "--", "true"]));
    }
  }

  const wakeRatio = median(wakeTimes.machine) / median(wakeTimes.home);
  console.log(`wake to shell from hibernation, ${runs} alternating rounds:`);
  console.log(`  ${summary("machine (the whole disk persists)", wakeTimes.machine)}`);
  console.log(`  ${summary("home only (as before)", wakeTimes.home)}`);
  console.log(`  ratio of medians ${wakeRatio.toFixed(2)}× (target ≤ 1.05×: ${wakeRatio <= 1.05 ? "met" : "MISSED"})`);
  console.log(`create to shell of a new default-image Sprite (puck create + puck connect -- true), ${creates} each:`);
  console.log(`  ${summary("machine: seeds the system on its first start", createTimes.machine)}`);
  console.log(`  ${summary("home only: as before this change", createTimes.home)}`);
  if (seeded) {
    const kib = Number(seeded[1]);
    const seedRate = kib / 1024 / (Number(seeded[2]) / 1000);
    const cpRate = kib / 1024 / (cpMs / 1000);
    console.log(`the seed's copy rate: ${seedRate.toFixed(0)} MB/s (${(kib / 1024).toFixed(0)} MiB in ${seeded[2]} ms, flushed) against cp -a of the same tree on the same disk, flushed: ${cpRate.toFixed(0)} MB/s (${cpMs.toFixed(0)} ms)`);
    const rateRatio = seedRate / cpRate;
    console.log(`  ratio ${rateRatio.toFixed(2)}× (target ≥ 0.8×: ${rateRatio >= 0.8 ? "met" : "MISSED"})`);
  } else {
    console.log(`the seed's log has no timing line:\n${log}`);
  }
} finally {
  await operator.stop().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await ns.remove().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
}
