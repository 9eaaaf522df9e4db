// Disk use, visible: the agent's statfs figures reach the Sprite's status, the CLI shows them, and a
// home past 90 % gets a Warning event and the DiskPressure condition, cleared when it drops back.
// On storage that enforces no size (local-path), the agent measures the volume's own use: a Sprite
// that writes past its size gets DiskPressure (OverSize), a Warning event and a line on its terminal.
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
import { ensurePuckBuilt, puck, puckInTerminal, type PuckTerminal } from "../lib/puck-cli.js";
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
let terminal: PuckTerminal | undefined;

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
  // On the cluster's local-path storage, which lets a volume grow past its size.
  await createSprite(ns.name, "over", { storageSize: "32Mi", purgeStorageOnDelete: true, persist: "home" });
});

afterAll(async () => {
  terminal?.kill();
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

it("on storage that enforces no size, a volume written past its size gets DiskPressure (OverSize), a Warning event and a line on its terminal", async () => {
  const started = Date.now();
  // The first walk, of the near-empty volume: within its size.
  const first = await waitFor(
    async () => {
      const s = await getSprite(ns.name, "over");
      return s?.status?.disk?.volumeMeasuredAt && s.status.phase === "Active" ? s : undefined;
    },
    { what: "the volume's own use reported", timeoutMs: 180_000, describe: () => describeSprite(ns.name, "over") },
  );
  expect(first.status!.disk!.volumeBytes).toBeLessThan(4 * MiB);
  // The node's disk, far bigger than the volume: the filesystem's figures alone would not notice.
  expect(first.status!.disk!.totalBytes).toBeGreaterThan(1024 * MiB);
  terminal = puckInTerminal(["-n", ns.name, "connect", "over"]);
  await terminal.waitForText(/sprite@over/, 60_000, "the shell's prompt");
  terminal.write("dd if=/dev/urandom of=$HOME/big bs=1M count=48 status=none && echo wrote-it\r");
  await terminal.waitForText(/wrote-it/, 60_000);
  const wroteAt = Date.now();
  // The bound: the next walk (a minute after the last at least, 99 times its CPU time at most), the
  // walk itself, and the next report (a minute's heartbeat at most).
  const over = await waitFor(
    async () => {
      const c = (await getSprite(ns.name, "over"))?.status?.conditions?.find((x) => x.type === "DiskPressure");
      return c?.status === "True" ? c : undefined;
    },
    { what: "DiskPressure True (OverSize)", timeoutMs: 300_000, intervalMs: 2000, describe: () => describeSprite(ns.name, "over") },
  );
  console.log(`OverSize in the status ${Date.now() - wroteAt} ms after the write (Sprite made ${wroteAt - started} ms before it)`);
  expect(over.reason).toBe("OverSize");
  expect(over.message).toMatch(/^The volume holds 4\dM, past its size of 32M; this storage does not stop it there/);
  await waitFor(async () => (await eventReasons(ns.name, "over")).includes("OverSize"), { what: "an OverSize event", timeoutMs: 10_000 });
  await terminal.waitForText(/Puck: this Sprite's disk holds 4\dM, past its size of 32Mi/, 120_000, "the over-size line on the terminal");
  const [described, top] = await Promise.all([puck(["-n", ns.name, "describe", "over"]), puck(["-n", ns.name, "top", "--once"])]);
  expect(described.stdout).toMatch(/Volume:\s+holds 4\dM of its 32Mi \(measured .* ago\) — past its size/);
  expect(top.stdout).toMatch(/over\s+.*4\dM\/32Mi OVER/);
}, 600_000);
