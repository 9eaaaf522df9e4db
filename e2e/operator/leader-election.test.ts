// Two replicas are safe: only the Lease holder reconciles, the other stands by ready, and takes over
// at once when the leader shuts down (it releases the Lease).
// @needs: cluster
import { afterAll, beforeAll, expect, it } from "vitest";
import { installCrd, makeNamespace } from "../lib/cluster.js";
import { metricValue, startOperator, type OperatorProcess } from "../lib/operator-process.js";
import { waitFor } from "../lib/wait.js";
import { STAND_IN_AGENT_IMAGE, createSprite, getObject, replicasOf } from "../lib/sprites.js";

let ns: { name: string; remove: () => Promise<void> };
const operators: OperatorProcess[] = [];

beforeAll(async () => {
  await installCrd();
  ns = await makeNamespace("op-leader");
});

afterAll(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  await ns?.remove();
});

const leading = async (o: OperatorProcess) => metricValue(await (await fetch(o.metricsUrl)).text(), "puck_leading");

it("one replica leads, the other stands by, and takes over when the leader stops", async () => {
  const first = await startOperator({ namespace: ns.name, agentImage: STAND_IN_AGENT_IMAGE });
  operators.push(first);
  await waitFor(async () => (await leading(first)) === 1, { what: "the first replica to lead", timeoutMs: 20_000 });
  const second = await startOperator({ namespace: ns.name, agentImage: STAND_IN_AGENT_IMAGE });
  operators.push(second);
  expect(await leading(second)).toBe(0);
  expect((await fetch(`${second.healthUrl}/readyz`)).status).toBe(200);

  await createSprite(ns.name, "led");
  await waitFor(async () => (await replicasOf(ns.name, "led")) === 1, { what: "the leader to reconcile", timeoutMs: 20_000 });
  expect(second.logs()).not.toContain("Created StatefulSet");

  const lease = await getObject<{ spec: { holderIdentity: string } }>("lease", ns.name, "puck-operator");
  expect(first.logs()).toContain(lease?.spec.holderIdentity);

  const handoverStarted = Date.now();
  await first.stop({ keepSprites: true });
  await waitFor(async () => (await leading(second)) === 1, {
    what: "the standby to take over",
    timeoutMs: 10_000,
    describe: () => second.logs().slice(-2000),
  });
  const handoverMs = Date.now() - handoverStarted;
  // Released on shutdown, the Lease passes within a retry period (2 s), not a lease duration (15 s).
  expect(handoverMs).toBeLessThan(8_000);
  await createSprite(ns.name, "after-handover");
  await waitFor(async () => (await replicasOf(ns.name, "after-handover")) === 1, { what: "the new leader to reconcile", timeoutMs: 20_000 });
});
