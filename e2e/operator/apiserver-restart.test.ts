// The operator outlives an API server restart: its watches come back and it keeps reconciling,
// without a restart of its own.
// @needs: cluster
import { expect, it } from "vitest";
import { kubectl, restartClusterDaemon } from "../lib/cluster.js";
import { metricValue } from "../lib/operator-process.js";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { waitFor } from "../lib/wait.js";
import { createSprite, getObject, listNames, replicasOf, STAND_IN_AGENT_IMAGE } from "../lib/sprites.js";

const ns = useOperatorNamespace("op-apirestart", { agentImage: STAND_IN_AGENT_IMAGE });

it("after the API server restarts, new Sprites are made and hand-deleted children restored", async () => {
  await createSprite(ns.name, "before");
  await waitFor(async () => (await replicasOf(ns.name, "before")) === 1, { what: "before's StatefulSet", timeoutMs: 30_000 });

  const awayMs = await restartClusterDaemon("kube-apiserver");
  await createSprite(ns.name, "after");
  await kubectl(["delete", "service,networkpolicy", "before", "-n", ns.name, "--wait=false"]);
  await waitFor(
    async () =>
      (await replicasOf(ns.name, "after")) === 1 &&
      (await getObject("service", ns.name, "before")) !== undefined &&
      (await getObject("networkpolicy", ns.name, "before")) !== undefined,
    {
      what: `the operator to act again after an API server restart of ${awayMs} ms`,
      timeoutMs: 90_000,
      describe: async () => ({ objects: await listNames("statefulset,service,networkpolicy", ns.name), logs: ns.operator.logs().slice(-3000) }),
    },
  );
  const metrics = await (await fetch(ns.operator.metricsUrl)).text();
  // Every watch (Sprites, eight kinds of children, StatefulSets' FailedCreate events, Nodes) listed
  // again and is watching.
  expect(metricValue(metrics, "puck_watch_synced")).toBe(11);
  // Same process all along: the operator never logged its own shutdown.
  expect(ns.operator.logs()).not.toContain("Stopping operator");
});
