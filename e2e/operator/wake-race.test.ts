// A wake racing a hibernation ends awake: wake requests written right around the idle deadline,
// before, during or after the operator's scale-down, all leave the Sprite up with its status current.
// @needs: cluster
import { expect, it } from "vitest";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { waitFor } from "../lib/wait.js";
import { STAND_IN_AGENT_IMAGE, createSprite, describeSprite, getSprite, idleReport, patchSpec, patchStatus, replicasOf } from "../lib/sprites.js";

const ns = useOperatorNamespace("op-race", { agentImage: STAND_IN_AGENT_IMAGE, args: ["--idle-timeout-scale", "0.05"] });

// Offsets from the idle deadline at which the wake request is written, in ms.
const OFFSETS = [-150, -50, 0, 20, 50, 100, 200, 400];
// The idle timeout of one minute, scaled by 0.05.
const IDLE_MS = 3000;

it("wakes written around the idle deadline are never lost: awake, or asleep only a full idle timeout later", async () => {
  const names = OFFSETS.map((_, i) => `race-${i}`);
  await Promise.all(names.map((n) => createSprite(ns.name, n, { idleTimeoutMinutes: 1 })));
  const wakes = await Promise.all(
    names.map(async (name, i) => {
      const wokeAt = await waitFor(async () => (await getSprite(ns.name, name))?.status?.wokeAt, { what: `${name} to wake`, timeoutMs: 30_000 });
      await patchStatus(ns.name, name, idleReport());
      const deadline = Date.parse(wokeAt) + IDLE_MS;
      await waitFor(() => Date.now() >= deadline + OFFSETS[i]!, { what: "the moment to wake", timeoutMs: 10_000, intervalMs: 5 });
      const wakeRequestedAt = new Date().toISOString();
      await patchSpec(ns.name, name, { wakeRequestedAt });
      return wakeRequestedAt;
    }),
  );
  for (const [i, name] of names.entries()) {
    const wakeMs = Date.parse(wakes[i]!);
    const sprite = await waitFor(
      async () => {
        const s = await getSprite(ns.name, name);
        const acted = s?.status?.observedGeneration === s?.metadata.generation && s?.status?.observedWakeRequestedAt === wakes[i];
        if (!acted) return undefined;
        // Asleep is settled; awake is settled once its StatefulSet is scaled up.
        return s?.status?.phase === "Hibernating" || (await replicasOf(ns.name, name)) === 1 ? s : undefined;
      },
      { what: `${name} to act on its wake request`, timeoutMs: 30_000, describe: () => describeSprite(ns.name, name) },
    );
    const { phase, hibernatedAt, wokeAt } = sprite.status!;
    if (phase === "Hibernating") {
      // The wake arrived while it was still up: it counts as activity, and the idle report (older than
      // the wake) lets it sleep again, but never before a whole idle timeout from the wake.
      expect(Date.parse(hibernatedAt!), JSON.stringify(sprite.status)).toBeGreaterThanOrEqual(wakeMs + IDLE_MS);
    } else {
      // Either it never slept, or it slept and woke after.
      expect(hibernatedAt === undefined || Date.parse(wokeAt!) > Date.parse(hibernatedAt), JSON.stringify(sprite.status)).toBe(true);
    }
  }
});
