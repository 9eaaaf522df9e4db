// A wake racing a hibernation ends awake: wake requests written right around the idle deadline,
// before, during or after the operator's scale-down, all leave the Sprite up with its status current.
import { afterAll, beforeAll, expect, it } from "vitest";
import { installCrd, makeNamespace } from "../lib/cluster.js";
import { startOperator, type OperatorProcess } from "../lib/operator-process.js";
import { waitFor } from "../lib/wait.js";
import { STAND_IN_AGENT_IMAGE, createSprite, describeSprite, getSprite, idleReport, patchSpec, patchStatus, replicasOf } from "./sprites.js";

let ns: { name: string; remove: () => Promise<void> };
let operator: OperatorProcess;

beforeAll(async () => {
  await installCrd();
  ns = await makeNamespace("op-race");
  operator = await startOperator({ namespace: ns.name, agentImage: STAND_IN_AGENT_IMAGE, args: ["--idle-timeout-scale", "0.05"] });
});

afterAll(async () => {
  await operator?.stop();
  await ns?.remove();
});

// Offsets from the idle deadline at which the wake request is written, in ms.
const OFFSETS = [-150, -50, 0, 20, 50, 100, 200, 400];

it("wakes written around the idle deadline all end awake, with observedGeneration current", async () => {
  const names = OFFSETS.map((_, i) => `race-${i}`);
  await Promise.all(names.map((n) => createSprite(ns.name, n, { idleTimeoutMinutes: 1 })));
  await Promise.all(
    names.map(async (name, i) => {
      const wokeAt = await waitFor(async () => (await getSprite(ns.name, name))?.status?.wokeAt, { what: `${name} to wake`, timeoutMs: 30_000 });
      await patchStatus(ns.name, name, idleReport());
      const deadline = Date.parse(wokeAt) + 3000;
      await waitFor(() => Date.now() >= deadline + OFFSETS[i]!, { what: "the moment to wake", timeoutMs: 10_000, intervalMs: 5 });
      await patchSpec(ns.name, name, { wakeRequestedAt: new Date().toISOString() });
    }),
  );
  for (const name of names) {
    const sprite = await waitFor(
      async () => {
        const s = await getSprite(ns.name, name);
        const settled = s?.status?.observedGeneration === s?.metadata.generation && (await replicasOf(ns.name, name)) === 1;
        return settled && s?.status?.phase !== "Hibernating" ? s : undefined;
      },
      { what: `${name} awake after its wake request`, timeoutMs: 30_000, describe: () => describeSprite(ns.name, name) },
    );
    // Either the wake arrived in time and the Sprite never slept, or it slept and woke after.
    const { hibernatedAt, wokeAt } = sprite.status!;
    expect(hibernatedAt === undefined || Date.parse(wokeAt!) > Date.parse(hibernatedAt)).toBe(true);
  }
});
