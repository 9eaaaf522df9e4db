// The home belongs to the person who connects: on first use owned by the shell's user, mode 0700,
// the image's /etc/skel copied in; a hibernate/wake cycle leaves what the user changed alone, and
// pods made after the home was set up run no setup containers.
// Three images: the default Sprite (user sprite, uid 1000), plain Debian (root), Debian with user
// dev (uid 2000). Needs puck-sprite:dev, puck-debian:dev and puck-debian-user:dev in the node.
// @needs: cluster-alongside
import { afterAll, beforeAll, expect, it } from "vitest";
import { installCrd, kubectl, makeNamespace } from "../lib/cluster.js";
import { startOperator, type OperatorProcess } from "../lib/operator-process.js";
import { waitFor } from "../lib/wait.js";
import { createSprite, describeSprite, eventReasons, getObject, getSprite, patchSpec } from "../lib/sprites.js";

const IMAGES = [
  { sprite: "home-default", image: "puck-sprite:dev", user: "sprite", uid: 1000, gid: 1000, skel: true },
  { sprite: "home-root", image: "puck-debian:dev", user: "root", uid: 0, gid: 0, skel: true },
  { sprite: "home-other", image: "puck-debian-user:dev", user: "dev", uid: 2000, gid: 2000, skel: true },
] as const;

let ns: { name: string; remove: () => Promise<void> };
let operator: OperatorProcess;

const sh = async (sprite: string, script: string) =>
  (await kubectl(["exec", "-n", ns.name, `${sprite}-0`, "-c", "sprite", "--", "/bin/sh", "-c", script])).stdout.trim();

async function active(sprite: string) {
  await waitFor(
    async () => {
      const s = await getSprite(ns.name, sprite);
      return s?.status?.phase === "Active" && s.status.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    },
    { what: `Sprite ${sprite} Active`, timeoutMs: 120_000, describe: () => describeSprite(ns.name, sprite) },
  );
}

const setupLog = async (sprite: string) => (await kubectl(["logs", "-n", ns.name, `${sprite}-0`, "-c", "volume-setup"])).stdout.trim();

beforeAll(async () => {
  await installCrd();
  ns = await makeNamespace("home");
  operator = await startOperator({ namespace: ns.name });
  for (const i of IMAGES) await createSprite(ns.name, i.sprite, { image: i.image });
  await Promise.all(IMAGES.map((i) => active(i.sprite)));
});

afterAll(async () => {
  await operator?.stop();
  await ns?.remove();
});

it.each(IMAGES)("$image: a new home is owned by $user, mode 700, with the skeleton's dotfiles", async (i) => {
  const whoami = await sh(i.sprite, "id -u; id -g; echo $HOME");
  expect(whoami.split("\n")).toEqual([String(i.uid), String(i.gid), "/home/sprite"]);
  expect(await sh(i.sprite, "stat -c '%u:%g %a' /home/sprite")).toBe(`${i.uid}:${i.gid} 700`);
  // (.puck is Puck's: the keep-alive file, the services' state.)
  const listing = await sh(i.sprite, "ls -la /home/sprite");
  console.log(`${i.image}:\n${listing}`);
  expect(await sh(i.sprite, "ls -A /home/sprite | grep -vx -e lost+found -e .puck | sort | tr '\\n' ' '")).toBe(".bash_logout .bashrc .profile");
  // Every copied file is the user's, so they can edit their dotfiles.
  expect(await sh(i.sprite, "find /home/sprite -mindepth 1 -not -name lost+found ! -user $(id -u) | wc -l")).toBe("0");
  expect(await setupLog(i.sprite)).toMatch(new RegExp(`^Set up the home for uid ${i.uid}$`, "m"));
});

it("a Sprite that names no resources requests the documented defaults: scheduled honestly, not BestEffort", async () => {
  type Pod = { spec: { containers: { name: string; resources?: { requests?: Record<string, string> } }[] }; status: { qosClass?: string } };
  const pod = await getObject<Pod>("pod", ns.name, "home-default-0");
  expect(pod?.spec.containers.find((c) => c.name === "sprite")?.resources?.requests).toEqual({ cpu: "100m", memory: "256Mi" });
  expect(pod?.status.qosClass).toBe("Burstable");
});

it("after the user changed their home, a hibernate/wake cycle leaves it as they left it", async () => {
  const change = "chmod 750 /home/sprite && rm /home/sprite/.profile && echo mine >/home/sprite/note && echo 'export X=1' >>/home/sprite/.bashrc";
  for (const i of IMAGES) await sh(i.sprite, change);
  const before = await Promise.all(IMAGES.map((i) => sh(i.sprite, "cd /home/sprite && stat -c '%u:%g %a' . && ls -A | sort && md5sum .bashrc")));
  for (const i of IMAGES) await patchSpec(ns.name, i.sprite, { hibernateRequestedAt: new Date().toISOString() });
  await waitFor(
    async () => {
      for (const i of IMAGES) if ((await getObject("pod", ns.name, `${i.sprite}-0`)) !== undefined) return false;
      return true;
    },
    { what: "every pod gone", timeoutMs: 90_000 },
  );
  for (const i of IMAGES) await patchSpec(ns.name, i.sprite, { wakeRequestedAt: new Date().toISOString() });
  await Promise.all(IMAGES.map((i) => active(i.sprite)));
  const after = await Promise.all(IMAGES.map((i) => sh(i.sprite, "cd /home/sprite && stat -c '%u:%g %a' . && ls -A | sort && md5sum .bashrc")));
  expect(after).toEqual(before);
  for (const [n, i] of IMAGES.entries()) {
    expect(after[n]).toMatch(new RegExp(`^${i.uid}:${i.gid} 750\\n`));
    expect(after[n]).not.toMatch(/\.profile/);
    // Once a pod found the home set up, the setup containers never run again: the pod made at
    // the wake has none (and the wake starts two containers sooner).
    const { stdout } = await kubectl(["get", "pod", `${i.sprite}-0`, "-n", ns.name, "-o", "jsonpath={.spec.initContainers[*].name}"]);
    expect(stdout).toBe("");
    expect((await getSprite(ns.name, i.sprite))?.status?.homeSetUpAt).toBeDefined();
  }
});

it("a home volume deleted by hand is named in a Warning event and the HomeVolumeLost condition, then replaced by a new, set-up one", async () => {
  const s = "home-default";
  const before = await getObject<{ metadata: { uid: string } }>("pvc", ns.name, `${s}-home`);
  await patchSpec(ns.name, s, { hibernateRequestedAt: new Date().toISOString() });
  await waitFor(async () => (await getObject("pod", ns.name, `${s}-0`)) === undefined, { what: "the pod gone", timeoutMs: 90_000 });
  // The old claim is gone once no pod uses it; the operator may make the new one under the same
  // name at once (kubectl's own --wait then waited its whole minute in CI), so the wait is on the uid.
  await kubectl(["delete", "pvc", `${s}-home`, "-n", ns.name, "--wait=false"]);
  await waitFor(async () => (await getObject<{ metadata: { uid: string } }>("pvc", ns.name, `${s}-home`))?.metadata.uid !== before?.metadata.uid, {
    what: `the old PVC ${s}-home gone`,
    timeoutMs: 3 * 60_000,
    describe: async () => JSON.stringify({ pvc: (await getObject<{ metadata: unknown }>("pvc", ns.name, `${s}-home`))?.metadata, pods: (await kubectl(["get", "pods", "-n", ns.name, "-o", "wide"]).catch((e: Error) => ({ stdout: e.message }))).stdout }),
  });
  await patchSpec(ns.name, s, { wakeRequestedAt: new Date().toISOString() });
  await active(s);
  const lost = (await getSprite(ns.name, s))?.status?.conditions?.find((c) => c.type === "HomeVolumeLost");
  expect(lost).toMatchObject({ status: "True", reason: "HomeVolumeLost" });
  expect(lost?.message).toMatch(/^The home volume claim home-default-home was deleted while the Sprite existed; Puck made a new, empty one/);
  expect(await eventReasons(ns.name, s)).toContain("HomeVolumeLost");
  const after = await getObject<{ metadata: { uid: string } }>("pvc", ns.name, `${s}-home`);
  expect(after?.metadata.uid).not.toBe(before?.metadata.uid);
  // The new home is set up like any new one, by the setup containers back in the pod.
  expect(await setupLog(s)).toMatch(/^Set up the home for uid 1000$/m);
  expect(await sh(s, "stat -c '%u:%g %a' /home/sprite; test -f /home/sprite/note && echo old-data || echo new-home")).toBe("1000:1000 700\nnew-home");
}, 7 * 60_000);
