// The operator against the real cluster: children, schema, repair, hibernation, wake, deletion.
// @needs: cluster-alongside
import { describe, expect, it } from "vitest";
import { kubectl } from "../lib/cluster.js";
import { metricValue } from "../lib/operator-process.js";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { waitFor } from "../lib/wait.js";
import {
  createSprite,
  describeSprite,
  eventReasons,
  getObject,
  getSprite,
  idleReport,
  listNames,
  patchSpec,
  patchStatus,
  replicasOf, STAND_IN_AGENT_IMAGE } from "../lib/sprites.js";

// --idle-timeout-scale 0.05: idleTimeoutMinutes 1 lasts 3 s, so hibernation is observable quickly.
const SCALE = 0.05;
const ns = useOperatorNamespace("op-life", { agentImage: STAND_IN_AGENT_IMAGE, args: ["--idle-timeout-scale", String(SCALE)] });

const N = () => ns.name;

describe("operator lifecycle", () => {
  it("creates the PVC, StatefulSet, headless Service and the agent's RBAC", async () => {
    await createSprite(N(), "alpha");
    await waitFor(
      async () => (await listNames("statefulset,service,pvc,serviceaccount,role,rolebinding", N(), "puck.sandwich.labs/sprite=alpha")).length === 6,
      { what: "alpha's six children", timeoutMs: 30_000, describe: () => listNames("statefulset,service,pvc,serviceaccount,role,rolebinding", N()) },
    );
    const pvc = await getObject<{ metadata: { ownerReferences?: unknown[] }; spec: { resources: { requests: { storage: string } } } }>("pvc", N(), "alpha-home");
    expect(pvc?.metadata.ownerReferences).toBeUndefined();
    expect(pvc?.spec.resources.requests.storage).toBe("1Gi");
    const svc = await getObject<{ spec: { clusterIP: string } }>("service", N(), "alpha");
    expect(svc?.spec.clusterIP).toBe("None");
    expect(await replicasOf(N(), "alpha")).toBe(1);
    const role = await getObject<{ rules: unknown[] }>("role", N(), "alpha-agent");
    expect(role?.rules).toEqual([
      { apiGroups: ["puck.sandwich.labs"], resources: ["sprites"], resourceNames: ["alpha"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["puck.sandwich.labs"], resources: ["sprites/status"], resourceNames: ["alpha"], verbs: ["patch"] },
    ]);
    const sprite = await waitFor(async () => {
      const s = await getSprite(N(), "alpha");
      return s?.status?.observedGeneration === s?.metadata.generation && s?.status?.phase ? s : undefined;
    }, { what: "alpha's first status", timeoutMs: 20_000, describe: () => describeSprite(N(), "alpha") });
    expect(["Starting", "Active"]).toContain(sprite.status?.phase);
    expect(sprite.metadata.finalizers).toContain("puck.sandwich.labs/storage");
    expect(sprite.status?.conditions?.map((c) => c.type).sort()).toEqual(["ActivityFresh", "Ready"]);
    expect(await eventReasons(N(), "alpha")).toContain("Created");
  });

  it("kubectl shows the printer columns under the short name sp", async () => {
    const { stdout } = await kubectl(["get", "sp", "-n", N()]);
    expect(stdout.split("\n")[0]?.split(/\s+/)).toEqual(["NAME", "PHASE", "SESSIONS", "LAST-ACTIVE", "AGE"]);
    expect(stdout).toContain("alpha");
  });

  it.each([
    { name: "a bad name", sprite: "Bad_Name", spec: {}, error: /name|Invalid value/ },
    { name: "a bad quantity", sprite: "bad-quantity", spec: { storageSize: "ten gigs" }, error: /storageSize/ },
    { name: "an idle timeout out of range", sprite: "bad-timeout", spec: { idleTimeoutMinutes: 0 }, error: /idleTimeoutMinutes/ },
  ])("the schema rejects $name", async ({ sprite, spec, error }) => {
    await expect(createSprite(N(), sprite, spec)).rejects.toThrow(error);
  });

  it("the schema rejects shrinking storage", async () => {
    await expect(patchSpec(N(), "alpha", { storageSize: "512Mi" })).rejects.toThrow(/never shrink/);
  });

  it("puts back children deleted or changed by hand", async () => {
    const before = await getObject<{ metadata: { uid: string } }>("service", N(), "alpha");
    await kubectl(["delete", "service", "alpha", "-n", N(), "--wait=false"]);
    await kubectl(["delete", "role", "alpha-agent", "-n", N(), "--wait=false"]);
    await kubectl(["patch", "statefulset", "alpha", "-n", N(), "--type=json", "-p",
      JSON.stringify([{ op: "replace", path: "/spec/template/spec/containers/0/image", value: "busybox:hacked" }])]);
    await waitFor(
      async () => {
        const svc = await getObject<{ metadata: { uid: string } }>("service", N(), "alpha");
        const role = await getObject("role", N(), "alpha-agent");
        const sts = await getObject<{ spec: { template: { spec: { containers: { image: string }[] } } } }>("statefulset", N(), "alpha");
        return svc !== undefined && svc.metadata.uid !== before?.metadata.uid && role !== undefined && sts?.spec.template.spec.containers[0]?.image === "puck-sprite:dev";
      },
      { what: "the Service, Role and StatefulSet image restored", timeoutMs: 20_000, describe: () => listNames("service,role", N()) },
    );
  });

  it("resources in odd spellings reach the pod template without an update loop", async () => {
    await createSprite(N(), "sized", { resources: { requests: { cpu: "0.1", memory: "64Mi" }, limits: { memory: "1Gi" } } });
    const sts = await waitFor(
      async () => getObject<{ spec: { template: { spec: { containers: { resources: unknown }[] } } } }>("statefulset", N(), "sized"),
      { what: "sized's StatefulSet", timeoutMs: 20_000 },
    );
    expect(sts.spec.template.spec.containers[0]?.resources).toEqual({ requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "1Gi" } });
    const writes = async () => metricValue(await (await fetch(ns.operator.metricsUrl)).text(), "puck_api_writes_total", { resource: "statefulsets" });
    const before = await writes();
    const until = Date.now() + 3000;
    await waitFor(
      async () => {
        if ((await writes()) !== before) throw new Error("the operator keeps rewriting StatefulSets");
        return Date.now() > until;
      },
      { what: "3 s without StatefulSet writes", timeoutMs: 10_000 },
    );
  });

  it("hibernates when a fresh idle report comes after the idle deadline", async () => {
    await createSprite(N(), "sleepy", { idleTimeoutMinutes: 1 });
    await waitFor(async () => (await getSprite(N(), "sleepy"))?.status?.wokeAt, { what: "sleepy to wake", timeoutMs: 20_000 });
    await patchStatus(N(), "sleepy", idleReport());
    const pending = await waitFor(async () => (await getSprite(N(), "sleepy"))?.status?.hibernatesAt, {
      what: "hibernatesAt to be published", timeoutMs: 10_000, describe: () => describeSprite(N(), "sleepy"),
    });
    expect(Date.parse(pending)).toBeGreaterThan(Date.now() - 3000);
    const sprite = await waitFor(
      async () => {
        const s = await getSprite(N(), "sleepy");
        return s?.status?.phase === "Hibernating" && (await replicasOf(N(), "sleepy")) === 0 ? s : undefined;
      },
      { what: "sleepy to hibernate", timeoutMs: 20_000, describe: () => describeSprite(N(), "sleepy") },
    );
    expect(sprite.status?.reason).toBe("Idle");
    expect(sprite.status?.hibernatesAt).toBeUndefined();
    expect(sprite.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "Hibernated" });
    expect(await eventReasons(N(), "sleepy")).toContain("Hibernated");
  });

  it("an active session keeps a Sprite awake past its deadline", async () => {
    await createSprite(N(), "busy", { idleTimeoutMinutes: 1 });
    await waitFor(async () => (await getSprite(N(), "busy"))?.status?.wokeAt, { what: "busy to wake", timeoutMs: 20_000 });
    const now = new Date();
    await patchStatus(N(), "busy", {
      activeSessions: 1,
      lastActiveTime: now.toISOString(),
      activity: { reportTime: now.toISOString(), sessions: [{ kind: "terminal", tty: "pts/0", command: "bash", pid: 10, active: true }] },
    });
    await waitFor(async () => (await getSprite(N(), "busy"))?.status?.reason === "SessionActive", {
      what: "reason SessionActive", timeoutMs: 10_000, describe: () => describeSprite(N(), "busy"),
    });
    // The deadline (3 s after the last activity) passes while we keep checking it stays up.
    const until = now.getTime() + 3000 * 2;
    await waitFor(
      async () => {
        if ((await replicasOf(N(), "busy")) !== 1) throw new Error("busy was scaled down");
        return Date.now() > until;
      },
      { what: "the idle deadline to pass with busy still awake", timeoutMs: 20_000, describe: () => describeSprite(N(), "busy") },
    );
  });

  it("a wake request wakes a hibernating Sprite; a hibernate request puts it back to sleep", async () => {
    const asleep = await getSprite(N(), "sleepy");
    await patchSpec(N(), "sleepy", { wakeRequestedAt: new Date().toISOString() });
    const woken = await waitFor(
      async () => {
        const s = await getSprite(N(), "sleepy");
        return s && s.status?.observedGeneration === s.metadata.generation && (await replicasOf(N(), "sleepy")) === 1 ? s : undefined;
      },
      { what: "sleepy to wake", timeoutMs: 20_000, describe: () => describeSprite(N(), "sleepy") },
    );
    expect(["Starting", "Active"]).toContain(woken.status?.phase);
    expect(Date.parse(woken.status!.wokeAt!)).toBeGreaterThan(Date.parse(asleep!.status!.hibernatedAt!));
    expect(woken.status?.podName).toBe("sleepy-0");
    await waitFor(async () => (await eventReasons(N(), "sleepy")).includes("Woke"), { what: "a Woke event", timeoutMs: 10_000 });

    await patchSpec(N(), "sleepy", { hibernateRequestedAt: new Date().toISOString() });
    const slept = await waitFor(
      async () => {
        const s = await getSprite(N(), "sleepy");
        return s?.status?.reason === "HibernateRequested" && (await replicasOf(N(), "sleepy")) === 0 ? s : undefined;
      },
      { what: "sleepy to hibernate on request", timeoutMs: 20_000, describe: () => describeSprite(N(), "sleepy") },
    );
    expect(slept.status?.phase).toBe("Hibernating");
  });

  it("a grown storageSize that the StorageClass cannot expand is reported, not hidden", async () => {
    // The local-path class does not allow volume expansion.
    await patchSpec(N(), "alpha", { storageSize: "2Gi" });
    const message = await waitFor(
      async () => {
        const m = (await getSprite(N(), "alpha"))?.status?.message;
        return m?.includes("does not allow volume expansion") ? m : undefined;
      },
      { what: "a status message about the volume", timeoutMs: 15_000, describe: () => describeSprite(N(), "alpha") },
    );
    expect(message).toContain("local-path");
    const pvc = await getObject<{ spec: { resources: { requests: { storage: string } } } }>("pvc", N(), "alpha-home");
    expect(pvc?.spec.resources.requests.storage).toBe("1Gi");
  });

  it("a grown storageSize expands the home volume where the StorageClass allows it", async () => {
    const className = `${N()}-expandable`;
    await kubectl(["create", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: className },
        provisioner: "rancher.io/local-path",
        volumeBindingMode: "WaitForFirstConsumer",
        reclaimPolicy: "Delete",
        allowVolumeExpansion: true,
      }),
    });
    try {
      await createSprite(N(), "grows", { storageClassName: className });
      // Only a bound claim may grow: binding waits for the pod to be scheduled.
      await waitFor(async () => (await getObject<{ status: { phase: string } }>("pvc", N(), "grows-home"))?.status.phase === "Bound", {
        what: "grows-home to be bound", timeoutMs: 60_000, describe: () => getObject("pvc", N(), "grows-home"),
      });
      await patchSpec(N(), "grows", { storageSize: "2Gi" });
      await waitFor(
        async () => (await getObject<{ spec: { resources: { requests: { storage: string } } } }>("pvc", N(), "grows-home"))?.spec.resources.requests.storage === "2Gi",
        { what: "the PVC request to grow to 2Gi", timeoutMs: 20_000, describe: () => describeSprite(N(), "grows") },
      );
      // Purge it while its StorageClass still exists, so the provisioner can clean the volume up.
      await patchSpec(N(), "grows", { purgeStorageOnDelete: true });
      await kubectl(["delete", "sprite", "grows", "-n", N(), "--timeout=60s"]);
      await waitFor(async () => (await getObject("pvc", N(), "grows-home")) === undefined, { what: "grows-home purged", timeoutMs: 60_000 });
    } finally {
      await kubectl(["delete", "storageclass", className, "--ignore-not-found"]);
    }
  });

  it("deleting keeps the home volume, re-creating re-attaches it, and a purge removes it", async () => {
    const pvc = await getObject<{ metadata: { uid: string } }>("pvc", N(), "alpha-home");
    await kubectl(["delete", "sprite", "alpha", "-n", N(), "--timeout=60s"]);
    expect(await listNames("statefulset,service,serviceaccount,role,rolebinding", N(), "puck.sandwich.labs/sprite=alpha")).toEqual([]);
    expect((await getObject<{ metadata: { uid: string } }>("pvc", N(), "alpha-home"))?.metadata.uid).toBe(pvc?.metadata.uid);
    expect(await eventReasons(N(), "alpha")).toEqual(expect.arrayContaining(["StorageRetained", "Deleted"]));

    await createSprite(N(), "alpha", { purgeStorageOnDelete: true });
    await waitFor(async () => (await replicasOf(N(), "alpha")) === 1, { what: "alpha re-created", timeoutMs: 20_000 });
    const sts = await getObject<{ spec: { template: { spec: { volumes: { persistentVolumeClaim?: { claimName: string } }[] } } } }>("statefulset", N(), "alpha");
    expect(sts?.spec.template.spec.volumes[0]?.persistentVolumeClaim?.claimName).toBe("alpha-home");
    expect((await getObject<{ metadata: { uid: string } }>("pvc", N(), "alpha-home"))?.metadata.uid).toBe(pvc?.metadata.uid);

    await kubectl(["delete", "sprite", "alpha", "-n", N(), "--timeout=60s"]);
    await waitFor(async () => (await getObject("pvc", N(), "alpha-home")) === undefined, {
      what: "the purged PVC to go", timeoutMs: 60_000, describe: () => getObject("pvc", N(), "alpha-home"),
    });
    expect(await eventReasons(N(), "alpha")).toContain("StoragePurged");
  });
});
