// Disk use, visible: the agent's statfs figures reach the Sprite's status, the CLI shows them, and a
// home past 90 % gets a Warning event and the DiskPressure condition, cleared when it drops back.
// The local-path provisioner does not enforce capacity (its volumes are directories on the node's
// disk), so the home here is a 64 MiB tmpfs mounted on the node (this machine: needs root) and
// bound through a static PersistentVolume: the figures and the threshold are real end to end.
// @needs: cluster-alongside
import { execFileSync } from "node:child_process";
import { mkdirSync, rmdirSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Condition } from "../../operator/api/index.js";
import { installCrd, kubectl, makeNamespace } from "../lib/cluster.js";
import { startOperator, type OperatorProcess } from "../lib/operator-process.js";
import { ensurePuckBuilt, puck } from "../lib/puck-cli.js";
import { waitFor } from "../lib/wait.js";
import { createSprite, describeSprite, eventReasons, getSprite } from "../lib/sprites.js";

const MiB = 1024 ** 2;
const id = randomBytes(3).toString("hex");
const storageClass = `puck-disk-test-${id}`;
const pv = `puck-disk-test-${id}`;
const mountPoint = `/var/lib/puck-e2e/disk-test-${id}`;
let ns: { name: string; remove: () => Promise<void> };
let operator: OperatorProcess;
let mounted = false;

const diskCondition = async (): Promise<Condition | undefined> =>
  (await getSprite(ns.name, "full"))?.status?.conditions?.find((c) => c.type === "DiskPressure");

beforeAll(async () => {
  expect(process.getuid?.(), "this test mounts a small tmpfs on the node: run it as root").toBe(0);
  await Promise.all([installCrd(), ensurePuckBuilt()]);
  mkdirSync(mountPoint, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", mountPoint]);
  mounted = true;
  await kubectl(["create", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: pv },
      spec: {
        capacity: { storage: "64Mi" },
        accessModes: ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: "Retain",
        storageClassName: storageClass,
        hostPath: { path: mountPoint, type: "Directory" },
      },
    }),
  });
  ns = await makeNamespace("disk");
  operator = await startOperator({ namespace: ns.name });
  // Home-only: a 64 MiB volume cannot hold the default image's system (machine.test.ts has that case).
  await createSprite(ns.name, "full", { storageSize: "64Mi", storageClassName: storageClass, purgeStorageOnDelete: true, persist: "home" });
});

afterAll(async () => {
  await operator?.stop();
  await ns?.remove();
  await kubectl(["delete", "pv", pv, "--ignore-not-found", "--wait=false"]).catch((e: unknown) => console.error(String(e)));
  if (mounted) {
    // The pod is gone once the Sprite is (operator.stop deletes it); the kubelet may hold the
    // mount a moment longer.
    await waitFor(() => {
      execFileSync("umount", [mountPoint]);
      return true;
    }, { what: `umount ${mountPoint}`, timeoutMs: 60_000, intervalMs: 1000 });
    rmdirSync(mountPoint);
  }
});

it("the agent reports the home volume's figures, and the CLI shows them", async () => {
  const sprite = await waitFor(
    async () => {
      const s = await getSprite(ns.name, "full");
      return s?.status?.disk && s.status.phase === "Active" ? s : undefined;
    },
    { what: "status.disk reported", timeoutMs: 120_000, describe: () => describeSprite(ns.name, "full") },
  );
  expect(sprite.status?.disk?.totalBytes).toBe(64 * MiB);
  expect(sprite.status?.disk?.usedBytes).toBeLessThan(1 * MiB);
  expect((await diskCondition())?.status).toBe("False");
  const wide = await puck(["-n", ns.name, "list", "-o", "wide"]);
  expect(wide.stdout).toMatch(/DISK/);
  expect(wide.stdout).toMatch(/\d+(\.\d)?[KB]\/64M \(\d%\)/);
  const described = await puck(["-n", ns.name, "describe", "full"]);
  expect(described.stdout).toMatch(/Disk:\s+\S+ of 64M used \(\d%\)/);
});

it("filled past 90 %: a Warning event and DiskPressure=True; emptied: cleared, with a Normal event", async () => {
  await kubectl(["exec", "-n", ns.name, "full-0", "-c", "sprite", "--", "/bin/sh", "-c", "dd if=/dev/zero of=$HOME/big bs=1M count=60 2>&1 | tail -1"]);
  const full = await waitFor(
    async () => {
      const c = await diskCondition();
      return c?.status === "True" ? c : undefined;
    },
    { what: "DiskPressure True", timeoutMs: 30_000, describe: () => describeSprite(ns.name, "full") },
  );
  expect(full.reason).toBe("DiskAlmostFull");
  expect(full.message).toMatch(/^The home volume is (9\d|100)% full \(6\dM of 64M\)/);
  await waitFor(async () => (await eventReasons(ns.name, "full")).includes("DiskAlmostFull"), { what: "a DiskAlmostFull event", timeoutMs: 10_000 });
  const described = await puck(["-n", ns.name, "describe", "full"]);
  expect(described.stdout).toMatch(/Disk:\s+6\dM of 64M used \((9\d|100)%\) — almost full/);
  expect(described.stdout).toMatch(/DiskPressure\s+True\s+DiskAlmostFull/);

  await kubectl(["exec", "-n", ns.name, "full-0", "-c", "sprite", "--", "rm", "/home/sprite/big"]);
  const cleared = await waitFor(
    async () => {
      const c = await diskCondition();
      return c?.status === "False" ? c : undefined;
    },
    { what: "DiskPressure False again", timeoutMs: 30_000, describe: () => describeSprite(ns.name, "full") },
  );
  expect(cleared.reason).toBe("DiskOk");
  await waitFor(async () => (await eventReasons(ns.name, "full")).includes("DiskOk"), { what: "a DiskOk event", timeoutMs: 10_000 });
  expect((await eventReasons(ns.name, "full")).filter((r) => r === "DiskAlmostFull")).toHaveLength(1);
});
