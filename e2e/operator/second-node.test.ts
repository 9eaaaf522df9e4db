// A Sprite on a second node, as a multi-node homelab has them: placed there by its nodeSelector and
// tolerations (puck create --node --tolerate), pinned there by its local home volume. When that node goes down, the Sprite's status
// and `puck connect` say so at once (NodeNotReady, naming the node) instead of leaving connect to
// spin; a hibernated Sprite there says it cannot wake, before anyone tries; when the node comes
// back, connect works and the home is as it was.
// @needs: cluster
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installCrd, kubectl, makeNamespace } from "../lib/cluster.js";
import { metricValue, startOperator, type OperatorProcess } from "../lib/operator-process.js";
import { ensurePuckBuilt, puck } from "../lib/puck-cli.js";
import { waitFor } from "../lib/wait.js";
import { SPRITE_IMAGE, describeSprite, getObject, getSprite } from "../lib/sprites.js";
import { run } from "../lib/exec.js";

const NODE = `e2e-${randomBytes(3).toString("hex")}`;
/** The taint e2e/cluster/node.sh gives an extra node, so that nothing lands there unasked. */
const TAINT_KEY = "puck.sandwich.labs/e2e-node";

/** What the Sprite's pod runs: the only images the node needs besides the cluster's own. */
const IMAGES = [SPRITE_IMAGE, process.env.PUCK_AGENT_IMAGE ?? "puck-agent:dev"];

/** node.sh up|down|remove NODE; resolves with how long it took. */
async function node(action: "up" | "down" | "remove"): Promise<number> {
  const started = Date.now();
  try {
    await run("bash", ["e2e/cluster/node.sh", action, NODE, ...(action === "up" ? IMAGES : [])], { timeout: 240_000 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`node.sh ${action} ${NODE}: ${e.stderr?.trim() || e.message}`, { cause: error });
  }
  return Date.now() - started;
}

let ns: { name: string; remove: () => Promise<void> } | undefined;
let operator: OperatorProcess | undefined;
const volumes: string[] = [];
const SPRITE = "far";
/** Hibernated on the same node before it goes down. */
const ASLEEP = "asleep";

beforeAll(async () => {
  await Promise.all([installCrd(), ensurePuckBuilt()]);
  console.log(`node.sh up ${NODE} took ${await node("up")} ms`);
  ns = await makeNamespace("node2");
  operator = await startOperator({ namespace: ns.name });
}, 300_000);

afterAll(async () => {
  // The node must be up for its pods to go and for the provisioner's helper to delete the volume.
  const errors: unknown[] = [];
  const step = async (f: () => Promise<unknown>) => f().catch((error: unknown) => errors.push(error));
  await step(() => node("up"));
  if (operator) await step(() => operator!.stop());
  if (ns) await step(() => ns!.remove());
  for (const pv of volumes) {
    await step(() => waitFor(async () => !(await getObject("persistentvolume", "", pv)), { what: `volume ${pv} to be deleted`, timeoutMs: 90_000 }));
  }
  await step(() => node("remove"));
  const left = await kubectl(["get", "node", NODE, "--ignore-not-found", "-o", "name"]);
  expect(left.stdout.trim()).toBe("");
  if (errors.length > 0) throw errors[0];
}, 420_000);

const readyCondition = async (name = SPRITE) => (await getSprite(ns!.name, name))?.status?.conditions?.find((c) => c.type === "Ready");
const homeVolume = async (name: string) => (await getObject<{ spec: { volumeName?: string } }>("pvc", ns!.name, `${name}-home`))?.spec.volumeName;

describe("a Sprite on a second node", () => {
  it("runs on the node its nodeSelector names, with its home volume there", async () => {
    // Other test files install the CRD of their own checkouts: until this one's is everywhere,
    // install it again just before the Sprite that uses its placement fields is made.
    await installCrd();
    const create = (name: string) =>
      puck(["-n", ns!.name, "create", name, "--storage", "1Gi", "--image", SPRITE_IMAGE, "--node", NODE, "--tolerate", `${TAINT_KEY}=${NODE}:NoSchedule`], { timeoutMs: 180_000 });
    const [created, asleep] = await Promise.all([create(SPRITE), create(ASLEEP)]);
    expect(created.code, created.stderr).toBe(0);
    expect(asleep.code, asleep.stderr).toBe(0);
    expect((await puck(["-n", ns!.name, "hibernate", ASLEEP])).code).toBe(0);
    const result = await puck(["-n", ns!.name, "connect", SPRITE, "--", "sh", "-c", "echo kept > ~/kept.txt && echo written"], { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe("written");
    const pod = await getObject<{ spec: { nodeName?: string } }>("pod", ns!.name, `${SPRITE}-0`);
    expect(pod?.spec.nodeName).toBe(NODE);
    for (const name of [SPRITE, ASLEEP]) {
      const volume = await homeVolume(name);
      if (volume) volumes.push(volume);
      const pv = await getObject<{ spec: { nodeAffinity?: unknown } }>("persistentvolume", "", volume ?? "");
      expect(JSON.stringify(pv?.spec.nodeAffinity), `${name}'s home volume`).toContain(NODE);
    }
    await waitFor(async () => (await getSprite(ns!.name, ASLEEP))?.status?.phase === "Hibernating" && !(await getObject("pod", ns!.name, `${ASLEEP}-0`)), {
      what: `Sprite ${ASLEEP} hibernated, its pod gone`, timeoutMs: 60_000, describe: () => describeSprite(ns!.name, ASLEEP),
    });
    // The operator watches Nodes: a pod whose kubelet has not yet reported it Ready is left
    // untouched when its node goes silent, and only the node's change can tell its Sprite.
    const metrics = await (await fetch(operator!.metricsUrl)).text();
    expect(metricValue(metrics, "puck_watch_synced", { resource: "nodes" })).toBe(1);
  }, 240_000);

  it("says its node is not ready, in its status and in puck connect, once the node goes down", async () => {
    const down = Date.now();
    await node("down");
    // The controller-manager marks a silent node NotReady after its node-monitor grace period.
    const ready = await waitFor(
      async () => {
        const c = await readyCondition();
        return c?.reason === "NodeNotReady" ? c : undefined;
      },
      { what: `Sprite ${SPRITE} Ready=False/NodeNotReady`, timeoutMs: 150_000, intervalMs: 1000, describe: () => describeSprite(ns!.name, SPRITE) },
    );
    console.log(`NodeNotReady in the Sprite's status ${Date.now() - down} ms after the node went down: ${ready.message}`);
    expect(ready.status).toBe("False");
    expect(ready.message).toMatch(new RegExp(`^its home volume lives on node ${NODE}, which is not ready`));

    const started = Date.now();
    const result = await puck(["-n", ns!.name, "connect", SPRITE, "--", "true"], { timeoutMs: 90_000 });
    const took = Date.now() - started;
    console.log(`puck connect failed in ${took} ms:\n${result.stderr}`);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(new RegExp(`its home volume lives on node ${NODE}, which is not ready`));
    expect(result.stderr).toMatch(/hint: bring that node back/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(took).toBeLessThan(20_000);

    // The hibernated one, which has no pod for the node's failure to show on, says so before anyone
    // tries to wake it; and puck list names the node's state as its reason.
    const asleep = await waitFor(async () => {
      const c = await readyCondition(ASLEEP);
      return c?.reason === "NodeNotReady" ? c : undefined;
    }, { what: `Sprite ${ASLEEP} Ready=False/NodeNotReady while hibernating`, timeoutMs: 30_000, intervalMs: 1000, describe: () => describeSprite(ns!.name, ASLEEP) });
    expect(asleep.message).toMatch(new RegExp(`^The Sprite is hibernating and cannot wake until its node is back: its home volume lives on node ${NODE}, which is not ready`));
    expect((await getSprite(ns!.name, ASLEEP))?.status?.phase).toBe("Hibernating");
    const listed = await puck(["-n", ns!.name, "list", "-o", "wide"]);
    expect(listed.stdout).toMatch(new RegExp(`^${ASLEEP}\\s+Hibernating\\s.*\\sNodeNotReady\\s`, "m"));
  }, 240_000);

  it("connects again once the node is back, with the home as it was", async () => {
    console.log(`node.sh up ${NODE} (again) took ${await node("up")} ms`);
    // Back means back as the cluster sees it: the kubelet has posted Ready again and the operator has
    // taken the Sprite's NodeNotReady away. Until then puck connect rightly fails fast with it.
    await waitFor(
      async () => {
        const { stdout } = await kubectl(["get", "node", NODE, "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`]);
        return stdout.trim() === "True" ? true : undefined;
      },
      { what: `node ${NODE} Ready again`, timeoutMs: 120_000, intervalMs: 500 },
    );
    // The kubelet remakes the pod's containers after its restart: puck connect waits for them itself
    // (before, it reported "unable to upgrade connection: pod does not exist" as the command's failure).
    await waitFor(async () => ((await readyCondition())?.reason !== "NodeNotReady" ? true : undefined), {
      what: `Sprite ${SPRITE} no longer NodeNotReady`,
      timeoutMs: 60_000,
      describe: () => describeSprite(ns!.name, SPRITE),
    });
    const result = await puck(["-n", ns!.name, "connect", SPRITE, "--", "cat", "kept.txt"], { timeoutMs: 180_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe("kept");
    const ready = await waitFor(async () => ((await readyCondition())?.status === "True" ? true : undefined), {
      what: `Sprite ${SPRITE} Ready again`,
      timeoutMs: 60_000,
      describe: () => describeSprite(ns!.name, SPRITE),
    });
    expect(ready).toBe(true);
    // The hibernated one hears the node is back, and stays asleep.
    const asleep = await waitFor(async () => {
      const c = await readyCondition(ASLEEP);
      return c?.reason === "Hibernated" ? c : undefined;
    }, { what: `Sprite ${ASLEEP} back to Ready=False/Hibernated`, timeoutMs: 30_000, describe: () => describeSprite(ns!.name, ASLEEP) });
    expect(asleep.message).toBe("The Sprite is hibernating.");
    expect((await getSprite(ns!.name, ASLEEP))?.status?.phase).toBe("Hibernating");
  }, 240_000);
});
