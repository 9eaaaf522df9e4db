// Sprites for e2e tests and benchmarks, with kubectl: make, read and patch them and their children,
// and wait on their phase.
import type { Sprite, SpriteSpec, SpriteStatus } from "../../operator/api/index.js";
import { kubectl } from "./cluster.js";
import { waitFor } from "./wait.js";

export const SPRITE_IMAGE = "puck-sprite:dev";
/**
 * Tests that play the agent themselves (writing status.activity as it would) run this stand-in in
 * the agent's place: it has no agent in it and exits at once, so no real report races theirs.
 */
export const STAND_IN_AGENT_IMAGE = "puck-node:dev";

export async function createSprite(namespace: string, name: string, spec: Partial<SpriteSpec> = {}): Promise<void> {
  const manifest = {
    apiVersion: "puck.sandwich.labs/v1alpha1",
    kind: "Sprite",
    metadata: { name, namespace },
    spec: { image: SPRITE_IMAGE, storageSize: "1Gi", ...spec },
  };
  await kubectl(["create", "-f", "-"], { input: JSON.stringify(manifest) });
}

/** The object as JSON, or undefined when it does not exist. */
export async function getObject<T = Record<string, unknown>>(kind: string, namespace: string, name: string): Promise<T | undefined> {
  const { stdout } = await kubectl(["get", kind, name, "-n", namespace, "-o", "json", "--ignore-not-found"]);
  return stdout.trim() ? (JSON.parse(stdout) as T) : undefined;
}

export const getSprite = (namespace: string, name: string) => getObject<Sprite>("sprites.puck.sandwich.labs", namespace, name);

/** The Sprite, which must exist: a missing one is an error (inside waitFor, a reason to keep waiting). */
export async function readSprite(namespace: string, name: string): Promise<Sprite> {
  const sprite = await getSprite(namespace, name);
  if (!sprite) throw new Error(`Sprite ${namespace}/${name} not found`);
  return sprite;
}

/** The Sprite's phase: undefined while it has none, or when there is no such Sprite. */
export const spritePhase = async (namespace: string, name: string) => (await getSprite(namespace, name))?.status?.phase;

/** Whether no pod of the Sprite is left (its pods carry the label puck.sandwich.labs/sprite=NAME). */
export async function podGone(namespace: string, name: string): Promise<boolean> {
  const { stdout } = await kubectl(["-n", namespace, "get", "pods", "-l", `puck.sandwich.labs/sprite=${name}`, "-o", "name"]);
  return stdout.trim() === "";
}

/** Waits until the Sprite hibernated and its pod is gone; a failure shows the Sprite. */
export async function waitAsleep(namespace: string, name: string, timeoutMs: number, intervalMs?: number): Promise<void> {
  await waitFor(async () => (await spritePhase(namespace, name)) === "Hibernating" && (await podGone(namespace, name)), {
    what: `Sprite ${name} to hibernate and its pod to go`, timeoutMs, intervalMs, describe: () => describeSprite(namespace, name),
  });
}

/** Waits until the Sprite's phase is `want`; a failure shows the Sprite. */
export async function waitForPhase(namespace: string, name: string, want: string, timeoutMs = 120_000): Promise<void> {
  await waitFor(async () => (await spritePhase(namespace, name)) === want, { what: `Sprite ${name} ${want}`, timeoutMs, describe: () => describeSprite(namespace, name) });
}

export async function listNames(kind: string, namespace: string, selector?: string): Promise<string[]> {
  const { stdout } = await kubectl(["get", kind, "-n", namespace, "-o", "jsonpath={.items[*].metadata.name}", ...(selector ? ["-l", selector] : [])]);
  return stdout.split(/\s+/).filter(Boolean).sort();
}

export async function patchSpec(namespace: string, name: string, spec: Partial<SpriteSpec>): Promise<void> {
  await kubectl(["patch", "sprites.puck.sandwich.labs", name, "-n", namespace, "--type=merge", "-p", JSON.stringify({ spec })]);
}

/** Writes status fields as the agent does: a merge patch of the status subresource. */
export async function patchStatus(namespace: string, name: string, status: Partial<SpriteStatus>): Promise<void> {
  await kubectl(["patch", "sprites.puck.sandwich.labs", name, "-n", namespace, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status })]);
}

/** An idle agent report made now: no sessions, no busy processes. */
export const idleReport = (now = new Date()): Partial<SpriteStatus> => ({
  activeSessions: 0,
  activity: { reportTime: now.toISOString(), sessions: [], busyProcesses: [] },
});

export async function replicasOf(namespace: string, name: string): Promise<number | undefined> {
  const sts = await getObject<{ spec: { replicas: number } }>("statefulset", namespace, name);
  return sts?.spec.replicas;
}

/** A short view of a Sprite for failure messages. */
export async function describeSprite(namespace: string, name: string): Promise<unknown> {
  const sprite = await getSprite(namespace, name);
  return { spec: sprite?.spec, status: sprite?.status, replicas: await replicasOf(namespace, name) };
}

export async function eventReasons(namespace: string, name: string): Promise<string[]> {
  const { stdout } = await kubectl([
    "get", "events", "-n", namespace, "--field-selector", `involvedObject.name=${name},involvedObject.kind=Sprite`, "-o", "jsonpath={.items[*].reason}",
  ]);
  return stdout.split(/\s+/).filter(Boolean);
}
