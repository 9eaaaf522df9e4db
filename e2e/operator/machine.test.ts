// A Sprite is one computer: what the user installs with apt, edits in /etc, puts in /usr/local/bin or
// /var/lib, users and crontabs — all there after a hibernation, a pod deleted by hand and an operator
// upgrade; on the default image, the busybox-only one and root-running Debian. An image change seeds a
// new system and keeps the old one on the volume until pruned; a home-only Sprite keeps only its home;
// a volume made before the layout moves into home/ with nothing lost. Driven with `puck` as a user.
// Needs puck-sprite:dev, puck-busybox:dev and puck-debian:dev in the node.
// @needs: cluster-alongside
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { kubectl } from "../lib/cluster.js";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { puck, type PuckResult } from "../lib/puck-cli.js";
import { waitFor } from "../lib/wait.js";
import { createSprite, describeSprite, getObject, getSprite, waitForPhase } from "../lib/sprites.js";

const AGENT = process.env.PUCK_AGENT_IMAGE ?? "puck-agent:dev";
// An upgrade of Puck: the same agent under its other name (images/build.sh loads both), a new template.
const AGENT_RENAMED = AGENT.startsWith("localhost/") ? AGENT.slice("localhost/".length) : `localhost/${AGENT}`;

const ns = useOperatorNamespace("machine", { agentImage: AGENT });

const run = (args: string[], timeoutMs = 180_000): Promise<PuckResult> => puck(["-n", ns.name, ...args], { timeoutMs });

/** A command in the Sprite through `puck connect` (waking it if needed); its output, or the failure. */
async function inSprite(name: string, script: string, timeoutMs = 180_000): Promise<string> {
  const r = await run(["connect", name, "--", "/bin/sh", "-c", script], timeoutMs);
  if (r.code !== 0) throw new Error(`puck connect ${name} -- ${script}: exit ${r.code}\n${r.stdout}\n${r.stderr}\n${JSON.stringify(await describeSprite(ns.name, name))}`);
  return r.stdout.trim();
}

async function hibernate(name: string): Promise<void> {
  const r = await run(["hibernate", name, "--yes"]);
  expect(r.code, r.stderr).toBe(0);
  await waitForPhase(ns.name, name, "Hibernating");
  await waitFor(async () => (await getObject("pod", ns.name, `${name}-0`)) === undefined, { what: `${name}'s pod gone`, timeoutMs: 90_000 });
}

/** The volume's folder on this node (k3s's local-path: a directory per volume). */
async function volumeDir(name: string): Promise<string> {
  const pvc = await getObject<{ spec: { volumeName: string } }>("pvc", ns.name, `${name}-home`);
  const pv = await getObject<{ spec: { hostPath?: { path: string }; local?: { path: string } } }>("pv", "", pvc!.spec.volumeName);
  return (pv?.spec.hostPath ?? pv?.spec.local)!.path;
}

// What a user does to their machine, and how they check it (the same on every image but busybox's).
const CHANGE = [
  "echo hello >/etc/myconf",
  "printf '#!/bin/sh\\necho mytool-ran\\n' >/usr/local/bin/mytool && chmod 755 /usr/local/bin/mytool",
  "mkdir -p /var/lib/mydb && echo rows >/var/lib/mydb/data",
  "mkdir -p /opt/app && echo app >/opt/app/version",
].join(" && ");
const CHECK = "cat /etc/myconf /var/lib/mydb/data /opt/app/version; mytool; echo home: $(cat ~/h)";
const CHECKED = "hello\nrows\napp\nmytool-ran\nhome: homefile";

// The default image's user has sudo; apt reaches the Debian mirror the cluster reaches.
const APT = "sudo apt-get update -qq >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 cron >/dev/null";
const DEFAULT_CHANGE = [
  APT,
  `sudo sh -c '${CHANGE.replace(/'/g, "'\\''")}'`,
  "sqlite3 /tmp/x.db 'select 1' >/dev/null",
  "sudo sqlite3 /var/lib/mydb/app.db 'create table t(v); insert into t values (42);'",
  "sudo useradd --create-home bob",
  "echo '@daily true' | crontab -",
  "echo homefile >~/h",
].join(" && ");
const DEFAULT_CHECK = `${CHECK}; sqlite3 --version | cut -d' ' -f1 | grep -c '^3\\.'; sudo sqlite3 /var/lib/mydb/app.db 'select v from t'; getent passwd bob | cut -d: -f1; crontab -l`;
const DEFAULT_CHECKED = `${CHECKED}\n1\n42\nbob\n@daily true`;

beforeAll(async () => {
  await Promise.all([
    createSprite(ns.name, "m-default", { storageSize: "2Gi" }),
    createSprite(ns.name, "m-busybox", { image: "puck-busybox:dev" }),
    createSprite(ns.name, "m-root", { image: "puck-debian:dev" }),
    createSprite(ns.name, "m-home", { image: "puck-debian:dev", persist: "home" }),
  ]);
}, 300_000);

it("the default image: apt-installed packages, /etc, /usr/local/bin, /var/lib, a user and a crontab survive a hibernation, a pod deleted by hand and an upgrade of Puck", async () => {
  const name = "m-default";
  await inSprite(name, DEFAULT_CHANGE, 300_000);
  expect(await inSprite(name, DEFAULT_CHECK)).toBe(DEFAULT_CHECKED);

  await hibernate(name);
  const afterWake = await inSprite(name, `${DEFAULT_CHECK}; echo; getent hosts kubernetes.default.svc.cluster.local | wc -l; grep -c "$(hostname)" /etc/hosts`);
  expect(afterWake).toBe(`${DEFAULT_CHECKED}\n\n1\n1`);
  // The kubelet's /etc/hosts, not a stale copy on the volume: it names the new pod's address.
  // (puck connect runs its command before the kubelet reports the pod's address: wait for it.)
  let podIp: string | undefined;
  await waitFor(async () => (podIp = (await getObject<{ status: { podIP?: string } }>("pod", ns.name, `${name}-0`))?.status.podIP) !== undefined, {
    what: "the pod's address reported",
    timeoutMs: 30_000,
  });
  expect(await inSprite(name, "grep \"$(hostname)\" /etc/hosts | cut -f1 | cut -d' ' -f1")).toBe(podIp);
  // Pods made after the first start set nothing up: no init containers.
  const { stdout: inits } = await kubectl(["get", "pod", `${name}-0`, "-n", ns.name, "-o", "jsonpath={.spec.initContainers[*].name}"]);
  expect(inits).toBe("");

  await kubectl(["delete", "pod", `${name}-0`, "-n", ns.name, "--wait=true"]);
  expect(await inSprite(name, DEFAULT_CHECK)).toBe(DEFAULT_CHECKED);

  // An upgrade of Puck (a new agent image) while the Sprite sleeps: the operator restarts with it, the
  // StatefulSet takes the new template at 0 replicas, and the next wake's pod runs it. (An awake
  // Sprite takes it once nobody uses it; data that moved within the idle timeout — apt's download —
  // counts as use: e2e/operator/update.test.ts covers that wait.)
  await hibernate(name);
  await ns.restartOperator({ agentImage: AGENT_RENAMED });
  await waitFor(
    async () => {
      const sts = await getObject<{ spec: { template: { spec: { containers: { name: string; image: string }[] } } } }>("statefulset", ns.name, name);
      return sts?.spec.template.spec.containers.find((c) => c.name === "agent")?.image === AGENT_RENAMED;
    },
    { what: "the StatefulSet with the new agent", timeoutMs: 60_000, describe: () => describeSprite(ns.name, name) },
  );
  expect(await inSprite(name, DEFAULT_CHECK)).toBe(DEFAULT_CHECKED);
  const agentImage = (await getObject<{ spec: { containers: { name: string; image: string }[] } }>("pod", ns.name, `${name}-0`))?.spec.containers.find((c) => c.name === "agent")?.image;
  expect(agentImage).toBe(AGENT_RENAMED);
  const described = await run(["describe", name]);
  expect(described.stdout).toMatch(/Persist:\s+machine/);
  expect(described.stdout).toMatch(/System:\s+seeded from puck-sprite:dev/);
}, 900_000);

it("busybox only (a real /bin) and root-running Debian: the system they changed survives a hibernation", async () => {
  const busyboxChange = "echo hello >/etc/myconf && printf '#!/bin/sh\\necho mytool-ran\\n' >/bin/mytool && chmod 755 /bin/mytool && mkdir -p /var/lib/mydb && echo rows >/var/lib/mydb/data && echo homefile >~/h";
  await Promise.all([inSprite("m-busybox", busyboxChange), inSprite("m-root", `${CHANGE} && echo homefile >~/h`)]);
  await Promise.all([hibernate("m-busybox"), hibernate("m-root")]);
  expect(await inSprite("m-busybox", "cat /etc/myconf /var/lib/mydb/data; mytool; echo home: $(cat ~/h); readlink /bin/sh")).toBe("hello\nrows\nmytool-ran\nhome: homefile\nbusybox");
  expect(await inSprite("m-root", CHECK)).toBe(CHECKED);
}, 600_000);

it("an image change seeds a new system, keeps the home, and keeps the old system on the volume until pruned", async () => {
  const name = "m-root";
  const dir = await volumeDir(name);
  await hibernate(name);
  await kubectl(["patch", "sprite", name, "-n", ns.name, "--type=merge", "-p", JSON.stringify({ spec: { image: "puck-busybox:dev" } })]);
  // The new image's system (busybox's sh), none of the old system's changes; the home as it was.
  expect(await inSprite(name, "readlink /bin/sh; test -e /etc/myconf && echo old-system || echo new-system; cat ~/h")).toBe("busybox\nnew-system\nhomefile");
  // The status follows once the kubelet reports the setup container's end (after the shell ran).
  await waitFor(async () => (await getSprite(ns.name, name))?.status?.volume?.system?.image === "puck-busybox:dev", {
    what: "status.volume naming the new image",
    timeoutMs: 30_000,
    describe: () => describeSprite(ns.name, name),
  });
  const volume = (await getSprite(ns.name, name))?.status?.volume;
  expect(volume?.previousSystems).toEqual([expect.objectContaining({ image: "puck-debian:dev" })]);
  const kept = join(dir, volume!.previousSystems![0]!.name);
  // Nothing lost: what the user had is on the volume.
  expect(readFileSync(join(kept, "etc/myconf"), "utf8")).toBe("hello\n");
  expect(readFileSync(join(kept, "var/lib/mydb/data"), "utf8")).toBe("rows\n");
  const described = await run(["describe", name]);
  expect(described.stdout).toMatch(/Earlier systems:\s+1 kept on the volume.*puck-debian:dev.*puck prune-systems m-root/);

  const pruned = await run(["prune-systems", name, "--yes"]);
  expect(pruned.code, pruned.stderr).toBe(0);
  expect(pruned.stdout + pruned.stderr).toMatch(/will be deleted at its next start/);
  await hibernate(name);
  expect(await inSprite(name, "cat ~/h")).toBe("homefile");
  await waitFor(async () => (await getSprite(ns.name, name))?.status?.volume?.previousSystems === undefined, { what: "no earlier systems in the status", timeoutMs: 30_000 });
  expect(existsSync(kept)).toBe(false);
}, 600_000);

it("a Sprite that persists only its home behaves as before: the image is its system at every start", async () => {
  const name = "m-home";
  await inSprite(name, "echo hello >/etc/myconf && echo homefile >~/h");
  await hibernate(name);
  expect(await inSprite(name, "test -e /etc/myconf && echo kept || echo gone; cat ~/h")).toBe("gone\nhomefile");
  const dir = await volumeDir(name);
  expect(readdirSync(dir).sort()).toEqual([".puck-volume", "home"]);
}, 300_000);

it("a volume made before the layout (its root was the home) moves into home/ at the next start, nothing lost", async () => {
  const name = "m-old";
  // An older Puck's volume: the claim, with a home written at its root by a plain pod.
  await kubectl(["create", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: `${name}-home`, namespace: ns.name, labels: { "puck.sandwich.labs/sprite": name } },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    }),
  });
  const writer = "mkdir -p project/.git && echo code >project/main.c && echo mine >.bashrc && mkdir home && echo nested >home/x && chown -R 1000:1000 . && chmod 700 .";
  await kubectl(["run", "old-home", "-n", ns.name, "--image=puck-debian:dev", "--restart=Never", "--overrides", JSON.stringify({
    spec: {
      containers: [{ name: "w", image: "puck-debian:dev", command: ["/bin/sh", "-c", `cd /v && ${writer}`], volumeMounts: [{ name: "v", mountPath: "/v" }] }],
      volumes: [{ name: "v", persistentVolumeClaim: { claimName: `${name}-home` } }],
    },
  })]);
  await waitFor(async () => (await getObject<{ status: { phase: string } }>("pod", ns.name, "old-home"))?.status.phase === "Succeeded", { what: "the old home written", timeoutMs: 120_000 });
  await kubectl(["delete", "pod", "old-home", "-n", ns.name, "--wait=true"]);
  await createSprite(ns.name, name, { storageSize: "1Gi" });
  // (.puck: the services' supervisor keeps its state there.)
  expect(await inSprite(name, "cd ~ && ls -A | grep -vx .puck | sort | tr '\\n' ' '; cat project/main.c home/x; stat -c '%u %a' ~")).toBe(".bashrc home project code\nnested\n1000 700");
  const dir = await volumeDir(name);
  expect(readdirSync(dir).sort()).toEqual([".puck-volume", "home", "system"]);
  expect(readFileSync(join(dir, "home/.bashrc"), "utf8")).toBe("mine\n");
}, 300_000);

it("a volume too small for the image's system stops the first start with the sizes and the fix, in one line (exit 3)", async () => {
  const r = await run(["create", "m-tiny", "--storage", "100Mi"]);
  expect(r.code, r.stderr).toBe(3);
  expect(r.stderr).toMatch(/failed to start: VolumeSetupFailed: The system of puck-sprite:dev needs \d+ MiB on the Sprite's volume, which has \d+ MiB free of 100 MiB: give it more \(spec.storageSize/);
  expect(r.stderr).toMatch(/or persist only the home \(spec.persist: home\)/);
}, 300_000);
