// Unknown is never idle: a Sprite whose agent stopped reporting stays up past its deadline, and says why.
// @needs: cluster
import { expect, it } from "vitest";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { waitFor } from "../lib/wait.js";
import { createSprite, describeSprite, getSprite, idleReport, patchStatus, replicasOf, STAND_IN_AGENT_IMAGE } from "../lib/sprites.js";

// Reports go stale after 2 s and idleTimeoutMinutes 2 lasts 6 s: a report made right after waking
// is stale long before the deadline.
const ns = useOperatorNamespace("op-stale", { agentImage: STAND_IN_AGENT_IMAGE, args: ["--idle-timeout-scale", "0.05", "--activity-stale-after", "2s"] });

it("a Sprite whose last report went stale does not hibernate at its deadline", async () => {
  await createSprite(ns.name, "quiet", { idleTimeoutMinutes: 2 });
  const woke = await waitFor(async () => (await getSprite(ns.name, "quiet"))?.status?.wokeAt, { what: "quiet to wake", timeoutMs: 20_000 });
  await patchStatus(ns.name, "quiet", idleReport());
  await waitFor(
    async () => {
      const fresh = (await getSprite(ns.name, "quiet"))?.status?.conditions?.find((c) => c.type === "ActivityFresh");
      return fresh?.status === "False" && fresh.reason === "AgentNotReporting";
    },
    { what: "ActivityFresh False/AgentNotReporting once the report is stale", timeoutMs: 15_000, describe: () => describeSprite(ns.name, "quiet") },
  );
  const deadline = Date.parse(woke) + 6000;
  await waitFor(
    async () => {
      if ((await replicasOf(ns.name, "quiet")) !== 1) throw new Error("quiet was scaled down on stale evidence");
      return Date.now() > deadline + 2000;
    },
    { what: "the deadline to pass with quiet still awake", timeoutMs: 30_000, describe: () => describeSprite(ns.name, "quiet") },
  );
  const sprite = await getSprite(ns.name, "quiet");
  expect(sprite?.status?.reason).toBe("ActivityUnknown");
  expect(sprite?.status?.hibernatesAt).toBeUndefined();

  // A fresh idle report after the deadline is evidence again: now it hibernates.
  await patchStatus(ns.name, "quiet", idleReport());
  await waitFor(async () => (await replicasOf(ns.name, "quiet")) === 0, {
    what: "quiet to hibernate on fresh evidence", timeoutMs: 15_000, describe: () => describeSprite(ns.name, "quiet"),
  });
});
