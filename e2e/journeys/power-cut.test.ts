// A power cut under Puck installed in-cluster: every cluster process and container is killed at once
// (e2e/cluster/power-cut.sh), then `cluster:up` runs as after a reboot. The cluster must come back
// with every object and volume: the awake Sprite Active with its data, the hibernated one still
// asleep, a deadline that passed in the dark acted on, nothing made twice — with no hand on anything.
// @needs: cluster
import { afterAll, beforeAll, expect, it } from "vitest";
import { kubectl } from "../lib/cluster.js";
import { installPuckWithNamespace, stopInClusterOperator } from "../lib/install.js";
import { deleteSprites, puck } from "../lib/puck-cli.js";
import { readSprite } from "../lib/sprites.js";
import { waitFor } from "../lib/wait.js";
import { run } from "../lib/exec.js";

const MINUTE = 60_000;
let ns: { name: string; remove: () => Promise<void> };
let clusterDown = false;

interface SpriteState {
  phase?: string;
  ready?: string;
  hibernatesAt?: string;
  hibernatedAt?: string;
  replicas?: number;
}

async function state(name: string): Promise<SpriteState> {
  const status = (await readSprite(ns.name, name)).status ?? {};
  const { stdout: replicas } = await kubectl(["-n", ns.name, "get", "statefulset", name, "-o", "jsonpath={.spec.replicas}"]);
  return {
    phase: status.phase,
    ready: status.conditions?.find((c: { type: string }) => c.type === "Ready")?.status,
    hibernatesAt: status.hibernatesAt,
    hibernatedAt: status.hibernatedAt,
    replicas: Number(replicas),
  };
}

async function podState(pod: string): Promise<unknown> {
  const { stdout } = await kubectl(["-n", ns.name, "get", "pod", pod, "-o", "json"]);
  return JSON.parse(stdout).status?.containerStatuses?.map((c: { name: string; state: unknown }) => ({ name: c.name, state: c.state }));
}

/** Whether every container of the pod runs and started after `sinceMs`: the pod really came back. */
async function restartedSince(pod: string, sinceMs: number): Promise<boolean> {
  const { stdout } = await kubectl(["-n", ns.name, "get", "pod", pod, "-o", "json", "--ignore-not-found"]);
  if (!stdout.trim()) return false;
  const statuses: { state?: { running?: { startedAt?: string } } }[] = JSON.parse(stdout).status?.containerStatuses ?? [];
  // Timestamps have whole seconds: allow the one the cluster came up in.
  return statuses.length > 0 && statuses.every((c) => Date.parse(c.state?.running?.startedAt ?? "") >= Math.floor(sinceMs / 1000) * 1000);
}

const ok = async (args: string[]) => {
  const result = await puck(["-n", ns.name, ...args], { timeoutMs: 5 * MINUTE });
  if (result.code !== 0) throw new Error(`puck ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return result;
};

/** Names of a kind's objects in the test namespace, to show nothing was made twice. */
const names = async (kind: string) =>
  (await kubectl(["-n", ns.name, "get", kind, "-o", "jsonpath={.items[*].metadata.name}"])).stdout.split(" ").filter(Boolean).sort();

const clusterUp = () => run("bash", ["e2e/cluster/up.sh"], { timeout: 5 * MINUTE, maxBuffer: 16 * 1024 * 1024 });

beforeAll(async () => {
  ns = await installPuckWithNamespace("power");
}, 5 * MINUTE);

afterAll(async () => {
  // Whatever failed, the next test file needs a running cluster.
  if (clusterDown) await clusterUp().catch((error) => console.error(`cluster:up after the power cut failed: ${error}`));
  if (ns) {
    await deleteSprites(ns.name).catch(() => undefined);
    await ns.remove();
  }
  await stopInClusterOperator();
}, 6 * MINUTE);

it("after a power cut, cluster:up resumes every Sprite as it was and acts on what came due", async () => {
  // "due" sleeps after 1 idle minute: its deadline falls inside the outage. "awake" and "asleep"
  // have 30 minutes; "asleep" is hibernated before the cut.
  await ok(["create", "due", "--idle-timeout", "1", "--storage", "1Gi"]);
  await ok(["create", "awake", "--idle-timeout", "30", "--storage", "1Gi"]);
  await ok(["create", "asleep", "--idle-timeout", "30", "--storage", "1Gi"]);
  // The machine too, not only the home: a change to /etc by root (sudo) persists like a file at home.
  await ok(["connect", "awake", "--", "sh", "-c", "echo survives-the-cut > ~/proof && echo system-survives | sudo tee /etc/proof >/dev/null"]);
  await ok(["hibernate", "asleep", "--yes"]);
  await waitFor(async () => (await state("asleep")).phase === "Hibernating", { timeoutMs: MINUTE, what: "asleep to hibernate", describe: () => state("asleep") });
  const before = { statefulsets: await names("statefulsets"), pvcs: await names("pvc"), services: await names("services") };
  const pvs = (await kubectl(["get", "pv", "-o", "jsonpath={.items[*].spec.claimRef.name}"])).stdout.split(" ").filter((n) => n.startsWith("due-") || n.startsWith("awake-") || n.startsWith("asleep-")).sort();

  // Cut the power while due's deadline is still ahead, but less than the outage lasts.
  const due = await waitFor(async () => {
    const s = await state("due");
    const left = Date.parse(s.hibernatesAt ?? "") - Date.now();
    return s.phase === "Active" && left > 0 && left < 10_000 ? s : undefined;
  }, { timeoutMs: 2 * MINUTE, intervalMs: 500, what: "due's deadline to be under 10 s away", describe: () => state("due") });
  const deadline = Date.parse(due.hibernatesAt!);
  clusterDown = true;
  await run("bash", ["e2e/cluster/power-cut.sh"], { timeout: MINUTE });
  // The machine stays dark until due's deadline has passed.
  await waitFor(() => Date.now() > deadline + 1000, { timeoutMs: 20_000, what: "due's deadline to pass during the outage" });
  const upStarted = Date.now();
  await clusterUp();
  clusterDown = false;
  const upSeconds = (Date.now() - upStarted) / 1000;

  // The status said Active before the cut too: wait for the pod's containers to have started again.
  const awake = await waitFor(async () => {
    const s = await state("awake");
    return s.phase === "Active" && s.ready === "True" && (await restartedSince("awake-0", upStarted)) ? s : undefined;
  }, { timeoutMs: 4 * MINUTE, intervalMs: 500, what: "awake to be Active and Ready again, its containers restarted", describe: async () => ({ ...(await state("awake")), pod: await podState("awake-0") }) });
  const activeSeconds = (Date.now() - upStarted) / 1000;
  console.log(`[power cut] cluster:up ${upSeconds.toFixed(1)} s; cluster:up -> awake Active, Ready and restarted ${activeSeconds.toFixed(1)} s`);
  expect(awake.replicas).toBe(1);
  const read = await ok(["connect", "awake", "--", "cat", "/home/sprite/proof", "/etc/proof"]);
  expect(read.stdout.trim()).toBe("survives-the-cut\nsystem-survives");

  // due came due in the dark: it sleeps on the first fresh report, not a whole timeout later.
  const slept = await waitFor(async () => {
    const s = await state("due");
    return s.phase === "Hibernating" ? s : undefined;
  }, { timeoutMs: 3 * MINUTE, intervalMs: 500, what: "due to hibernate", describe: () => state("due") });
  expect(Date.parse(slept.hibernatedAt!) - upStarted, "due should sleep well before a new idle minute has passed").toBeLessThan(MINUTE);

  const asleep = await state("asleep");
  expect(asleep).toMatchObject({ phase: "Hibernating", replicas: 0 });
  expect((await kubectl(["-n", ns.name, "get", "pods", "-l", "puck.sandwich.labs/sprite=asleep", "-o", "name"])).stdout.trim()).toBe("");

  expect({ statefulsets: await names("statefulsets"), pvcs: await names("pvc"), services: await names("services") }).toEqual(before);
  const pvsAfter = (await kubectl(["get", "pv", "-o", "jsonpath={.items[*].spec.claimRef.name}"])).stdout.split(" ").filter((n) => n.startsWith("due-") || n.startsWith("awake-") || n.startsWith("asleep-")).sort();
  expect(pvsAfter).toEqual(pvs);
}, 15 * MINUTE);
