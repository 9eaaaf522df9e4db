// Crash safety: an operator killed mid-reconcile and restarted converges, with nothing lost or doubled.
// @needs: cluster
import { afterAll, beforeAll, expect, it } from "vitest";
import { installCrd, kubectl, makeNamespace } from "../lib/cluster.js";
import { startOperator, type OperatorProcess } from "../lib/operator-process.js";
import { waitFor } from "../lib/wait.js";
import { SPRITE_IMAGE, getSprite, listNames, STAND_IN_AGENT_IMAGE } from "../lib/sprites.js";

const COUNT = 30;
let ns: { name: string; remove: () => Promise<void> };
let operator: OperatorProcess | undefined;

beforeAll(async () => {
  await installCrd();
  ns = await makeNamespace("op-crash");
});

afterAll(async () => {
  await operator?.stop();
  await ns?.remove();
});

const names = Array.from({ length: COUNT }, (_, i) => `crash-${i}`);

it("a killed operator's successor finishes the job: every Sprite converges once", async () => {
  // All Sprites at once, with hibernate requests so half of them also go through the race-safe path.
  const manifests = names.map((name, i) => ({
    apiVersion: "puck.sandwich.labs/v1alpha1",
    kind: "Sprite",
    metadata: { name, namespace: ns.name },
    spec: { image: SPRITE_IMAGE, storageSize: "1Gi", ...(i % 2 === 0 ? { hibernateRequestedAt: new Date().toISOString() } : {}) },
  }));
  // One worker makes the first operator slow enough to be caught half-way.
  operator = await startOperator({ namespace: ns.name, agentImage: STAND_IN_AGENT_IMAGE, args: ["--workers", "1"] });
  await kubectl(["create", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: manifests }) });
  // Kill it as soon as it has started making children: mid-reconcile for some of the Sprites.
  await waitFor(async () => (await listNames("statefulset", ns.name)).length >= 1, { what: "the first StatefulSet", timeoutMs: 30_000 });
  await operator.kill();
  const madeBeforeKill = (await listNames("statefulset", ns.name)).length;
  expect(madeBeforeKill).toBeLessThan(COUNT);

  operator = await startOperator({ namespace: ns.name, agentImage: STAND_IN_AGENT_IMAGE });
  const settled = async () => {
    const sprites = await Promise.all(names.map((n) => getSprite(ns.name, n)));
    return sprites.every((s, i) => {
      const phase = s?.status?.phase;
      return s?.status?.observedGeneration === s?.metadata.generation && (i % 2 === 0 ? phase === "Hibernating" : phase === "Starting" || phase === "Active");
    });
  };
  await waitFor(settled, {
    what: `all ${COUNT} Sprites to settle after the restart (${madeBeforeKill} StatefulSets existed at the kill)`,
    timeoutMs: 90_000,
    describe: async () => (await Promise.all(names.map((n) => getSprite(ns.name, n)))).map((s) => `${s?.metadata.name}: ${s?.status?.phase}`),
  });
  expect(await listNames("statefulset", ns.name)).toEqual([...names].sort());
  expect(await listNames("pvc", ns.name)).toEqual(names.map((n) => `${n}-home`).sort());
  const created = await kubectl(["get", "events", "-n", ns.name, "--field-selector", "reason=Created,involvedObject.kind=Sprite", "-o", "jsonpath={.items[*].involvedObject.name}"]);
  // At most one Created event per Sprite: no child was made twice.
  const createdFor = created.stdout.split(/\s+/).filter(Boolean);
  expect(new Set(createdFor).size).toBe(createdFor.length);
  expect(operator.logs()).not.toMatch(/"level":"error"/);
});
