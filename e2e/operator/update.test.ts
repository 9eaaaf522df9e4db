// Your machine does not reboot under you: a pod template Puck changes on its own (a new agent image)
// waits while a Sprite is in use and goes in once nobody uses it; a change the user asks for
// (spec.resources) restarts the pod only after the terminals were warned.
// The agent must be this branch's (it warns of restarts): PUCK_AGENT_IMAGE, else puck-agent:dev.
// Puck's own change is the same image under its other name (images/build.sh loads both
// `puck-agent:TAG` and `localhost/puck-agent:TAG`): a different template, and no pull.
// @needs: cluster-alongside
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Condition } from "../../operator/api/index.js";
import { installCrd, kubectl, makeNamespace } from "../lib/cluster.js";
import { startOperator, type OperatorProcess } from "../lib/operator-process.js";
import { ensurePuckBuilt, puck, puckInTerminal, type PuckTerminal } from "../lib/puck-cli.js";
import { waitFor } from "../lib/wait.js";
import { createSprite, describeSprite, getObject, getSprite, patchSpec } from "../lib/sprites.js";

const AGENT = process.env.PUCK_AGENT_IMAGE ?? "puck-agent:dev";
const AGENT_RENAMED = AGENT.startsWith("localhost/") ? AGENT.slice("localhost/".length) : `localhost/${AGENT}`;
// A 10-minute idle timeout lasts 30 s; the warning before a restart the user asked for, 15 s.
const ARGS = ["--idle-timeout-scale", "0.05"];
const NAME = "upd";

interface Pod {
  metadata: { uid: string; creationTimestamp: string };
  spec: { containers: { name: string; image: string; resources?: { requests?: Record<string, string> } }[] };
  status?: { conditions?: { type: string; status: string }[] };
}
interface StatefulSet {
  metadata: { annotations?: Record<string, string> };
  spec: { replicas: number; template: Pod };
}

let ns: { name: string; remove: () => Promise<void> };
let operator: OperatorProcess;
const terminals: PuckTerminal[] = [];

const pod = () => getObject<Pod>("pod", ns.name, `${NAME}-0`);
const statefulSet = () => getObject<StatefulSet>("statefulset", ns.name, NAME);
const agentImageOf = (p: Pod | undefined) => p?.spec.containers.find((c) => c.name === "agent")?.image;
const updatePending = async (): Promise<Condition | undefined> => (await getSprite(ns.name, NAME))?.status?.conditions?.find((c) => c.type === "UpdatePending");
const seen = async () => ({ sprite: await describeSprite(ns.name, NAME), pod: (await pod())?.metadata, logs: operator.logs().slice(-2000) });

/**
 * A shell through `puck connect`, with a command typed into it: an active terminal session, seen by
 * the agent of the pod that runs now (not one on its way out); no other session runs in it.
 */
async function openSession(): Promise<PuckTerminal> {
  const term = puckInTerminal(["-n", ns.name, "connect", NAME]);
  terminals.push(term);
  term.write("echo ready-$((40+2))\r");
  await term.waitForText(/ready-42/, 90_000, "the shell in the Sprite");
  await waitFor(
    async () => {
      const [s, p] = [await getSprite(ns.name, NAME), await pod()];
      const ready = s?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      const agentStart = Date.parse(s?.status?.activity?.agentStartTime ?? "");
      const podMade = Date.parse(p?.metadata.creationTimestamp ?? "");
      return ready && (s?.status?.activeSessions ?? 0) >= 1 && agentStart >= podMade;
    },
    { what: "the current pod's agent to report the terminal session", timeoutMs: 60_000, describe: seen },
  );
  return term;
}

/**
 * Tests of other branches share this cluster and apply their own CRD, which may not know
 * status.restartsAt yet: the API server then drops it, and the agent cannot warn. Puts this branch's
 * CRD back and touches the Sprite, so that the operator writes the field again (its own record of the
 * restart time is on the StatefulSet, so the schedule itself does not move).
 */
async function restoreOwnCrd(): Promise<void> {
  await installCrd();
  await kubectl(["annotate", "--overwrite", "sprites.puck.sandwich.labs", NAME, "-n", ns.name, `e2e.puck/touched=${Date.now()}`]);
}

beforeAll(async () => {
  await Promise.all([installCrd(), ensurePuckBuilt()]);
  ns = await makeNamespace("op-update");
  operator = await startOperator({ namespace: ns.name, agentImage: AGENT, args: ARGS });
  await createSprite(ns.name, NAME, { idleTimeoutMinutes: 10, resources: { requests: { cpu: "20m", memory: "32Mi" } } });
});

afterAll(async () => {
  for (const t of terminals) t.kill();
  await operator?.stop();
  await ns?.remove();
});

it("Puck's new agent image waits while a session is open, shows as pending, and goes in once nobody uses the Sprite", async () => {
  await installCrd();
  const term = await openSession();
  const before = (await pod())!;
  expect(agentImageOf(before)).toBe(AGENT);

  // The operator is upgraded: the same image under another name is a new template from Puck.
  await operator.stop({ keepSprites: true });
  operator = await startOperator({ namespace: ns.name, agentImage: AGENT_RENAMED, args: ARGS });
  const held = await waitFor(async () => ((await updatePending())?.reason === "HeldWhileInUse" ? await updatePending() : undefined), {
    what: "UpdatePending=True/HeldWhileInUse", timeoutMs: 30_000, describe: seen,
  });
  expect(held.status).toBe("True");
  // Held on later reconciles too, not just the first: a spec change that does not touch the pod
  // template makes a new generation, and the condition is written again for it, still held.
  const { stdout: generation } = await kubectl([
    "patch", "sprites.puck.sandwich.labs", NAME, "-n", ns.name, "--type=merge", "-o", "jsonpath={.metadata.generation}",
    "-p", JSON.stringify({ spec: { activity: { busyCpuPercent: 90 } } }),
  ]);
  await waitFor(async () => ((await updatePending())?.observedGeneration ?? 0) >= Number(generation), {
    what: `UpdatePending written for generation ${generation}`, timeoutMs: 30_000, describe: seen,
  });
  expect((await updatePending())?.reason).toBe("HeldWhileInUse");
  expect((await pod())?.metadata.uid).toBe(before.metadata.uid);
  expect(agentImageOf((await statefulSet())?.spec.template)).toBe(AGENT);

  const describe = await puck(["-n", ns.name, "describe", NAME]);
  expect(describe.stdout).toMatch(/Update: +pending, held until nobody uses the Sprite or it hibernates \(HeldWhileInUse\)/);
  const wide = await puck(["-n", ns.name, "list", "-o", "wide"]);
  expect(wide.stdout).toMatch(/UPDATE/);
  expect(wide.stdout).toMatch(new RegExp(`${NAME}\\s.*\\sheld\\s+\\S+\\s*$`, "m"));

  // The user leaves: the next fresh report says idle, and the new template goes in.
  term.write("exit\r");
  await term.exited(30_000);
  const after = await waitFor(
    async () => {
      const sts = await statefulSet();
      return agentImageOf(sts?.spec.template) === AGENT_RENAMED ? sts : undefined;
    },
    { what: "the StatefulSet to take the new agent image once the Sprite is idle", timeoutMs: 60_000, describe: seen },
  );
  expect(after.metadata.annotations?.["puck.sandwich.labs/template-hash"]).toBeTruthy();
  await waitFor(async () => (await updatePending())?.status === "False", { what: "UpdatePending=False", timeoutMs: 30_000, describe: seen });
  expect((await updatePending())?.reason).toBe("UpToDate");
  const wideAfter = await puck(["-n", ns.name, "list", "-o", "wide"]);
  expect(wideAfter.stdout).not.toMatch(/\sheld\s*$/m);
});

it("the user's change to spec.resources restarts the pod after the terminals were warned", async () => {
  // status.restartsAt is new in the CRD: other branches' tests on this shared cluster apply theirs.
  await installCrd();
  const term = await openSession();
  const before = (await pod())!;
  await patchSpec(ns.name, NAME, { resources: { requests: { cpu: "30m", memory: "48Mi" } } });
  const scheduled = await waitFor(
    async () => {
      const s = await getSprite(ns.name, NAME);
      const c = s?.status?.conditions?.find((x) => x.type === "UpdatePending");
      if (c?.reason === "RestartScheduled" && !s?.status?.restartsAt) await restoreOwnCrd();
      return c?.reason === "RestartScheduled" && s?.status?.restartsAt ? s.status.restartsAt : undefined;
    },
    { what: "UpdatePending=True/RestartScheduled with status.restartsAt", timeoutMs: 30_000, describe: seen },
  );
  const restartsAtMs = Date.parse(scheduled);
  await term.waitForText(/Puck: this Sprite restarts at/, 15_000, "the restart warning in the terminal");
  // Warned before the restart, and the pod is still the old one while the warning runs.
  expect(Date.now()).toBeLessThan(restartsAtMs);
  expect((await pod())?.metadata.uid).toBe(before.metadata.uid);
  const describe = await puck(["-n", ns.name, "describe", NAME]);
  expect(describe.stdout).toMatch(/Update: +pending: the pod restarts in/);

  const replaced = await waitFor(
    async () => {
      const p = await pod();
      return p && p.metadata.uid !== before.metadata.uid && p.spec.containers.find((c) => c.name === "sprite")?.resources?.requests?.cpu === "30m" ? p : undefined;
    },
    { what: "a new pod with the new resources", timeoutMs: 90_000, describe: seen },
  );
  // Kubernetes stamps creation in whole seconds.
  expect(Date.parse(replaced.metadata.creationTimestamp)).toBeGreaterThanOrEqual(Math.floor(restartsAtMs / 1000) * 1000);
  await waitFor(async () => (await updatePending())?.status === "False" && (await getSprite(ns.name, NAME))?.status?.restartsAt === undefined, {
    what: "UpdatePending=False and restartsAt cleared", timeoutMs: 30_000, describe: seen,
  });
});
