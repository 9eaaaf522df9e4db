// A Sprite whose pod admission refuses (Pod Security "baseline", a ResourceQuota) says why at once:
// Ready=False/PodFailing with the API server's reason, and `puck create`/`connect` fail fast with it.
// @needs: cluster
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installCrd, kubectl, makeNamespace } from "../lib/cluster.js";
import { startOperator, type OperatorProcess } from "../lib/operator-process.js";
import { ensurePuckBuilt, puck } from "../lib/puck-cli.js";
import { waitFor } from "../lib/wait.js";
import { createSprite, describeSprite, getSprite } from "../lib/sprites.js";

type Setup = { ns: { name: string; remove: () => Promise<void> }; operator: OperatorProcess };
const setups: Setup[] = [];

async function setUp(prefix: string, prepare: (namespace: string) => Promise<void>): Promise<Setup> {
  const ns = await makeNamespace(prefix);
  await prepare(ns.name);
  const operator = await startOperator({ namespace: ns.name });
  const setup = { ns, operator };
  setups.push(setup);
  return setup;
}

async function readyCondition(namespace: string, name: string) {
  return waitFor(
    async () => {
      const c = (await getSprite(namespace, name))?.status?.conditions?.find((x) => x.type === "Ready");
      return c?.reason === "PodFailing" ? c : undefined;
    },
    { what: `Sprite ${name} Ready=False/PodFailing`, timeoutMs: 30_000, describe: () => describeSprite(namespace, name) },
  );
}

beforeAll(async () => {
  await Promise.all([installCrd(), ensurePuckBuilt()]);
});

afterAll(async () => {
  for (const { ns, operator } of setups) {
    await operator.stop();
    await ns.remove();
  }
});

describe("a namespace that enforces Pod Security baseline", () => {
  let setup: Setup;
  beforeAll(async () => {
    setup = await setUp("psa", (ns) => kubectl(["label", "namespace", ns, "pod-security.kubernetes.io/enforce=baseline"]).then(() => undefined));
  });

  it("the Sprite's Ready condition carries the refusal and the label that fixes it", async () => {
    const started = Date.now();
    await createSprite(setup.ns.name, "hardened");
    const ready = await readyCondition(setup.ns.name, "hardened");
    console.log(`Pod Security refusal in the Sprite's status after ${Date.now() - started} ms: ${ready.message}`);
    expect(ready.status).toBe("False");
    expect(ready.message).toMatch(/^FailedCreate: pods "hardened-0" is forbidden: violates PodSecurity "baseline/);
    expect(ready.message).toMatch(/SYS_PTRACE/);
    expect(ready.message).toMatch(/label the namespace pod-security\.kubernetes\.io\/enforce=privileged$/);
    expect((await getSprite(setup.ns.name, "hardened"))?.status?.phase).toBe("Starting");
  });

  it("puck create fails fast with the cause and the fix, no stack", async () => {
    const started = Date.now();
    const result = await puck(["-n", setup.ns.name, "create", "second", "--storage", "1Gi"], { timeoutMs: 90_000 });
    const took = Date.now() - started;
    console.log(`puck create failed in ${took} ms:\n${result.stderr}`);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/Sprite "second" failed to start: FailedCreate: pods "second-0" is forbidden: violates PodSecurity/);
    expect(result.stderr).toMatch(/hint: label the Sprite's namespace pod-security\.kubernetes\.io\/enforce=privileged/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(took).toBeLessThan(30_000);
  });

  it("puck connect fails fast the same way", async () => {
    const result = await puck(["-n", setup.ns.name, "connect", "hardened", "--", "true"], { timeoutMs: 90_000 });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/failed to start: FailedCreate: .*violates PodSecurity/);
  });

  it("labelled privileged, the namespace runs it", async () => {
    await kubectl(["label", "namespace", setup.ns.name, "--overwrite", "pod-security.kubernetes.io/enforce=privileged"]);
    // The StatefulSet controller retries with a backoff; a wake makes the operator and it look again.
    const result = await puck(["-n", setup.ns.name, "connect", "hardened", "--", "echo", "up"], { timeoutMs: 150_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe("up");
    // connect runs its command as soon as the new pod takes one; the operator's Ready follows the
    // agent's first report a moment later.
    const ready = await waitFor(async () => {
      const condition = (await getSprite(setup.ns.name, "hardened"))?.status?.conditions?.find((x) => x.type === "Ready");
      return condition?.status === "True" ? condition : undefined;
    }, { timeoutMs: 15_000, what: "Sprite hardened to be Ready", describe: () => getSprite(setup.ns.name, "hardened") });
    expect(ready.status).toBe("True");
  });
});

describe("a namespace whose ResourceQuota allows no more pods", () => {
  let setup: Setup;
  beforeAll(async () => {
    setup = await setUp("quota", (ns) => kubectl(["create", "quota", "no-pods", "-n", ns, "--hard=pods=0"]).then(() => undefined));
  });

  it("the Sprite's Ready condition says the quota is exceeded, and puck create fails fast", async () => {
    await createSprite(setup.ns.name, "squeezed");
    const ready = await readyCondition(setup.ns.name, "squeezed");
    expect(ready.message).toMatch(/^FailedCreate: pods "squeezed-0" is forbidden: exceeded quota: no-pods/);
    const result = await puck(["-n", setup.ns.name, "create", "again", "--storage", "1Gi"], { timeoutMs: 90_000 });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/exceeded quota: no-pods/);
    expect(result.stderr).toMatch(/hint: the namespace's ResourceQuota or LimitRange refuses the pod/);
  });
});
