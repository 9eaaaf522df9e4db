// A Sprite pod on the real node: Ready as soon as its containers start, only the agent holds a token,
// and a changed image rolls the pod. Needs the puck-sprite:dev and puck-agent:dev images in the node.
// @needs: cluster
import { expect, it } from "vitest";
import { kubectl } from "../lib/cluster.js";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { waitFor } from "../lib/wait.js";
import { createSprite, describeSprite, getObject, getSprite, patchSpec } from "../lib/sprites.js";

const ns = useOperatorNamespace("op-ready");

type Pod = { metadata: { uid: string }; spec: { containers: { name: string; image: string }[] } };

it("kubectl wait --for=condition=Ready works, and then the phase is Active", async () => {
  await createSprite(ns.name, "ready");
  await waitFor(async () => (await getSprite(ns.name, "ready"))?.status?.conditions, { what: "conditions", timeoutMs: 20_000 });
  await kubectl(["wait", "--for=condition=Ready", "sprite/ready", "-n", ns.name, "--timeout=120s"], { timeoutMs: 130_000 });
  const sprite = await waitFor(async () => {
    const s = await getSprite(ns.name, "ready");
    return s?.status?.phase === "Active" ? s : undefined;
  }, { what: "phase Active", timeoutMs: 10_000, describe: () => describeSprite(ns.name, "ready") });
  expect(sprite.status?.podName).toBe("ready-0");
  expect(sprite.status?.observedGeneration).toBe(sprite.metadata.generation);
});

it("only the agent container has a service-account token; the user's shell has none", async () => {
  const agent = await kubectl(["exec", "-n", ns.name, "ready-0", "-c", "agent", "--", "ls", "/var/run/secrets/kubernetes.io/serviceaccount"]);
  expect(agent.stdout.split(/\s+/).filter(Boolean).sort()).toEqual(["ca.crt", "namespace", "token"]);
  await expect(
    kubectl(["exec", "-n", ns.name, "ready-0", "-c", "sprite", "--", "ls", "/var/run/secrets/kubernetes.io/serviceaccount"]),
  ).rejects.toThrow(/No such file|cannot access|exit code/);
  const home = await kubectl(["exec", "-n", ns.name, "ready-0", "--", "/bin/sh", "-c", "echo $HOME; pwd"]);
  expect(home.stdout.trim().split("\n")).toEqual(["/home/sprite", "/home/sprite"]);
});

it("a changed image restarts the pod with it", async () => {
  const before = await getObject<Pod>("pod", ns.name, "ready-0");
  await patchSpec(ns.name, "ready", { image: "puck-debian:dev" });
  const after = await waitFor(
    async () => {
      const pod = await getObject<Pod>("pod", ns.name, "ready-0");
      const s = await getSprite(ns.name, "ready");
      return pod && pod.metadata.uid !== before?.metadata.uid && pod.spec.containers[0]?.image === "puck-debian:dev" && s?.status?.phase === "Active"
        ? pod
        : undefined;
    },
    { what: "a new pod running puck-debian:dev", timeoutMs: 120_000, describe: () => describeSprite(ns.name, "ready") },
  );
  expect(after.spec.containers.map((c) => c.name)).toEqual(["sprite", "agent"]);
});

it("the CLI's wake contract: after a wake patch, phase Active, Ready True and observedGeneration ≥ its generation", async () => {
  await patchSpec(ns.name, "ready", { hibernateRequestedAt: new Date().toISOString() });
  await waitFor(
    async () => (await getSprite(ns.name, "ready"))?.status?.phase === "Hibernating" && (await getObject("pod", ns.name, "ready-0")) === undefined,
    { what: "ready to hibernate and its pod to go", timeoutMs: 60_000, describe: () => describeSprite(ns.name, "ready") },
  );
  const started = Date.now();
  const { stdout } = await kubectl([
    "patch", "sprites.puck.sandwich.labs", "ready", "-n", ns.name, "--type=merge", "-o", "jsonpath={.metadata.generation}",
    "-p", JSON.stringify({ spec: { wakeRequestedAt: new Date().toISOString() } }),
  ]);
  const generation = Number(stdout);
  const sprite = await waitFor(
    async () => {
      const s = await getSprite(ns.name, "ready");
      const ready = s?.status?.conditions?.find((c) => c.type === "Ready");
      return s?.status?.phase === "Active" && ready?.status === "True" && (s.status.observedGeneration ?? 0) >= generation ? s : undefined;
    },
    { what: "Active, Ready and observedGeneration current", timeoutMs: 60_000, intervalMs: 50, describe: () => describeSprite(ns.name, "ready") },
  );
  console.log(`wake: patch → Active+Ready in ${Date.now() - started} ms`);
  expect(sprite.status?.reason).not.toBe("Idle");
  const exec = await kubectl(["exec", "-n", ns.name, "ready-0", "--", "/bin/sh", "-c", "echo up"]);
  expect(exec.stdout.trim()).toBe("up");
});

it("a pod that cannot pull its image says so in the Ready condition", async () => {
  await createSprite(ns.name, "broken", { image: "puck.invalid/no-such-image:1" });
  const ready = await waitFor(
    async () => {
      const c = (await getSprite(ns.name, "broken"))?.status?.conditions?.find((x) => x.type === "Ready");
      return c?.reason === "PodFailing" ? c : undefined;
    },
    { what: "Ready False/PodFailing", timeoutMs: 90_000, describe: () => describeSprite(ns.name, "broken") },
  );
  expect(ready.message).toMatch(/ErrImagePull|ImagePullBackOff/);
  expect((await getSprite(ns.name, "broken"))?.status?.phase).toBe("Starting");
});
