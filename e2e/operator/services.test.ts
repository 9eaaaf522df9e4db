// Services: what a Sprite starts at every wake. Declared with `puck service` and from inside the
// Sprite (~/.puck/services.d); they run again after a hibernation without anyone starting them;
// PostgreSQL (apt) stops cleanly at the hibernation and keeps its rows; a crash loop is marked failed
// and the Sprite still works; an idle service does not keep its Sprite awake; `puck logs -f` follows;
// the busybox-only image runs a service across a hibernation; a root-running image runs one as another
// user, a uid-2000 image as its own and refuses another in one line. Driven with `puck` as a user.
// Needs puck-sprite:dev, puck-busybox:dev, puck-debian:dev and puck-debian-user:dev in the node; PUCK_AGENT_IMAGE an agent of this build.
// @needs: cluster-alongside
import { beforeAll, expect, it } from "vitest";
import { kubectl } from "../lib/cluster.js";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { puck, spawnPuck, type PuckResult } from "../lib/puck-cli.js";
import { waitFor } from "../lib/wait.js";
import { createSprite, getObject, getSprite, waitForPhase } from "../lib/sprites.js";

const AGENT = process.env.PUCK_AGENT_IMAGE ?? "puck-agent:dev";

// The cleanup waits up to 120 s for its Sprites to be deleted (the default is 90 s).
const ns = useOperatorNamespace("services", { agentImage: AGENT, deleteTimeoutSeconds: 120 });

const run = (args: string[], timeoutMs = 180_000): Promise<PuckResult> => puck(["-n", ns.name, ...args], { timeoutMs });

async function ok(args: string[], timeoutMs?: number): Promise<PuckResult> {
  const r = await run(args, timeoutMs);
  if (r.code !== 0) throw new Error(`puck ${args.join(" ")}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** A command in the Sprite through `puck connect` (waking it if needed); its output. */
async function inSprite(name: string, script: string, timeoutMs = 180_000): Promise<string> {
  return (await ok(["connect", name, "--", "/bin/sh", "-c", script], timeoutMs)).stdout.trim();
}

/** What the supervisor says of a service, from inside the Sprite (its state file). */
const serviceState = async (name: string, service: string) => (await inSprite(name, `cat ~/.puck/run/${service}.state 2>/dev/null | sed -n 's/^state=//p'`)) || "none";

async function untilState(name: string, service: string, want: string, timeoutMs = 120_000): Promise<void> {
  let seen = "";
  await waitFor(async () => (seen = await serviceState(name, service)) === want, {
    what: `service ${service} of ${name} ${want}`,
    timeoutMs,
    describe: async () => `last state ${seen}; ${await inSprite(name, `tail -n 20 ~/.puck/log/${service}.log 2>&1; ls -la ~/.puck/run 2>&1`).catch(String)}`,
  });
}

/** The agent's last lines, for a failure's message. */
const agentLog = async (name: string) =>
  (await kubectl(["logs", "-n", ns.name, `${name}-0`, "-c", "agent", "--tail=30"]).catch((e: Error) => ({ stdout: e.message }))).stdout;

async function hibernate(name: string): Promise<void> {
  await ok(["hibernate", name, "--yes"]);
  await waitForPhase(ns.name, name, "Hibernating");
  await waitFor(async () => (await getObject("pod", ns.name, `${name}-0`)) === undefined, { what: `${name}'s pod gone`, timeoutMs: 120_000 });
}

beforeAll(async () => {
  await Promise.all([
    createSprite(ns.name, "sv-default", { storageSize: "2Gi" }),
    createSprite(ns.name, "sv-busybox", { image: "puck-busybox:dev", idleTimeoutMinutes: 1 }),
    createSprite(ns.name, "sv-root", { image: "puck-debian:dev" }),
    createSprite(ns.name, "sv-uid", { image: "puck-debian-user:dev" }),
  ]);
}, 300_000);

// PostgreSQL as the Sprite's own user (the default image runs as `sprite`: a service runs as its
// Sprite's user), on 5433 beside the cluster the package makes; its fast shutdown is SIGINT.
const PG = "/usr/lib/postgresql/15/bin";
const SETUP = [
  "sudo apt-get update -qq >/dev/null",
  "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 postgresql-15 >/dev/null",
  `${PG}/initdb -D ~/pg >/dev/null`,
  "mkdir -p ~/www && echo hello-from-web >~/www/index.html",
].join(" && ");
const PSQL = "psql -h /tmp -p 5433 -d postgres -Atc";

it("PostgreSQL and a web server declared with puck service run again after a hibernation without anyone starting them; PostgreSQL stopped cleanly and kept its rows", async () => {
  const name = "sv-default";
  await inSprite(name, SETUP, 400_000);
  await ok(["service", "add", name, "db", "--stop-signal", "INT", "--port", "5433", "--", `${PG}/postgres`, "-D", "/home/sprite/pg", "-k", "/tmp", "-p", "5433"]);
  await ok(["service", "add", name, "web", "--port", "8000", "--dir", "/home/sprite/www", "--after", "db", "--", "python3", "-u", "-m", "http.server", "8000"]);
  // The kubelet updates the ConfigMap's volume in place: no restart (the pod stays the same one).
  const pod = (await getObject<{ metadata: { uid: string } }>("pod", ns.name, `${name}-0`))?.metadata.uid;
  await untilState(name, "web", "running");
  expect((await getObject<{ metadata: { uid: string } }>("pod", ns.name, `${name}-0`))?.metadata.uid).toBe(pod);
  await inSprite(name, `${PSQL} 'create table t(v int); insert into t values (42)'`);
  expect(await inSprite(name, "curl -s http://127.0.0.1:8000/index.html")).toBe("hello-from-web");
  // `puck service list` shows status.services, which the agent publishes a few seconds after the
  // supervisor writes a state: wait for it, and show the agent's log if it never comes.
  let list = "";
  await waitFor(async () => /db\s+running/.test((list = (await ok(["service", "list", name])).stdout)), {
    what: "puck service list to say db running",
    timeoutMs: 60_000,
    describe: async () => `${list}\nagent: ${await agentLog(name)}`,
  });

  await hibernate(name);
  // A connect: a shell first; the services start by themselves.
  await inSprite(name, "true");
  await untilState(name, "db", "running");
  await untilState(name, "web", "running");
  expect(await inSprite(name, `${PSQL} 'select v from t'`)).toBe("42");
  expect(await inSprite(name, "curl -s http://127.0.0.1:8000/index.html")).toBe("hello-from-web");
  // The log kept across the hibernation: a fast shutdown that completed, then a start without recovery.
  const log = await ok(["logs", name, "db", "--tail", "200"]);
  expect(log.stdout).toMatch(/received fast shutdown request[\s\S]*database system is shut down[\s\S]*starting db/);
  const afterWake = log.stdout.slice(log.stdout.lastIndexOf("starting db"));
  expect(afterWake).toMatch(/database system was shut down at/);
  expect(afterWake).not.toMatch(/not properly shut down|automatic recovery/);
}, 900_000);

it("a crash loop is marked failed with its last output, the Sprite still works; a service declared inside the Sprite runs, the spec's wins a name both declare", async () => {
  const name = "sv-default";
  await ok(["service", "add", name, "crash", "--", "/bin/sh", "-c", "echo boom-$$; exit 3"]);
  await inSprite(name, "mkdir -p ~/.puck/services.d && printf \"command='echo mine; exec sleep 100000'\\n\" >~/.puck/services.d/mine && printf \"command='exec sleep 99999'\\n\" >~/.puck/services.d/web");
  await untilState(name, "mine", "running");
  await untilState(name, "crash", "failed", 180_000);
  expect(await inSprite(name, "sed -n 's/^lastExit=//p' ~/.puck/run/crash.state; grep -c boom ~/.puck/run/crash.last")).toBe("3\n5");
  // The spec's web is still python, not the file's sleep.
  expect(await inSprite(name, "curl -s http://127.0.0.1:8000/index.html")).toBe("hello-from-web");
  // The agent reports it (status.services): describe shows it with its last output.
  await waitFor(async () => (await getSprite(ns.name, name))?.status?.services?.find((s) => s.name === "crash")?.state === "failed", {
    what: "status.services to say crash failed",
    timeoutMs: 60_000,
    describe: async () => JSON.stringify((await getSprite(ns.name, name))?.status?.services),
  });
  const described = await ok(["describe", name]);
  expect(described.stdout).toMatch(/crash\s+failed/);
  expect(described.stdout).toMatch(/Last output of crash:[\s\S]*boom-/);
  expect(described.stdout).toMatch(/mine\s+running/);
  // Stopped by hand: stays stopped.
  // One declared inside the Sprite is changed there: puck says so.
  const refused = await run(["service", "stop", name, "mine"]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/services\.d/);
  await ok(["service", "stop", name, "web"]);
  await untilState(name, "web", "stopped");
}, 600_000);

it("busybox only: a declared service follows with puck logs -f, lets its Sprite hibernate when idle, and runs again at the next wake", async () => {
  const name = "sv-busybox";
  await ok(["service", "add", name, "ticker", "--", "/bin/sh", "-c", "i=0; while :; do i=$((i+1)); echo tick-$i; sleep 1; done"]);
  await untilState(name, "ticker", "running");
  const follow = spawnPuck(["-n", ns.name, "logs", name, "ticker", "-f", "--tail", "1"]);
  try {
    // Lines written after the follow began arrive as they are written.
    await waitFor(async () => (follow.stdout().match(/tick-\d+/g) ?? []).length >= 3, {
      what: "three lines followed",
      timeoutMs: 60_000,
      describe: async () =>
        `${follow.stdout()}${follow.stderr()} (exited: ${await Promise.race([follow.exited, Promise.resolve("no")])}; phase ${(await getSprite(ns.name, name))?.status?.phase})\n${await inSprite(name, "tail -n 5 ~/.puck/log/ticker.log; cat ~/.puck/run/ticker.state; ps").catch(String)}`,
    });
  } finally {
    follow.child.kill("SIGINT");
    await follow.exited;
  }
  // Idle for its 1-minute timeout, a running service and all: it hibernates by itself.
  await waitForPhase(ns.name, name, "Hibernating", 300_000);
  const asleepAt = Date.now();
  await waitFor(async () => (await getObject("pod", ns.name, `${name}-0`)) === undefined, { what: `${name}'s pod gone`, timeoutMs: 120_000 });
  await inSprite(name, "true");
  await untilState(name, "ticker", "running");
  // Its output goes on in the log kept on the volume: two starts.
  expect(await inSprite(name, "grep -c 'starting ticker' ~/.puck/log/ticker.log")).toBe("2");
  // --since from 5 s before it fell asleep: the end of the first run (a minute long, noted every
  // 10 s) and all of the second, so one start; read by busybox's own tools.
  const since = await ok(["logs", name, "ticker", "--since", `${Math.ceil((Date.now() - asleepAt) / 1000) + 5}s`]);
  expect(since.stdout.match(/starting ticker/g)).toHaveLength(1);
  expect(since.stdout).toMatch(/tick-\d+\n[\s\S]*starting ticker[\s\S]*tick-1\n/);
}, 600_000);

/** Waits until `puck service list` (the agent's report) shows the row matching `row`; its output. */
async function untilListed(name: string, row: RegExp): Promise<string> {
  let list = "";
  await waitFor(async () => row.test((list = (await ok(["service", "list", name])).stdout)), {
    what: `puck service list ${name} to show ${row}`,
    timeoutMs: 180_000,
    describe: async () => `${list}\nagent: ${await agentLog(name)}`,
  });
  return list;
}

it("a root-running image runs a service as the user it names; a uid-2000 image runs one as its own user and refuses another user in one line", async () => {
  // As whom each runs, written where the test reads it (the Sprite's /tmp, not the home).
  const whoami = (file: string) => ["--", "/bin/sh", "-c", `echo "$(id -un) $(id -u)" >/tmp/${file}; exec sleep 100000`];
  await ok(["service", "add", "sv-root", "as-daemon", "--user", "daemon", ...whoami("as-daemon")]);
  await ok(["service", "add", "sv-root", "as-root", ...whoami("as-root")]);
  await ok(["service", "add", "sv-uid", "mine", ...whoami("mine")]);
  await ok(["service", "add", "sv-uid", "as-root", "--user", "root", ...whoami("as-root")]);

  await untilListed("sv-root", /as-daemon\s+running[\s\S]*as-root\s+running|as-root\s+running[\s\S]*as-daemon\s+running/);
  expect(await inSprite("sv-root", "cat /tmp/as-daemon /tmp/as-root")).toBe("daemon 1\nroot 0");

  const list = await untilListed("sv-uid", /as-root\s+failed/);
  expect(list).toMatch(/mine\s+running/);
  expect(list).toMatch(/user root needs a root image: this one runs as uid 2000/);
  expect(await inSprite("sv-uid", "cat /tmp/mine; test -e /tmp/as-root && echo ran || echo not-run")).toMatch(/^\S+ 2000\nnot-run$/);
}, 600_000);
