// User journeys against Puck installed in-cluster the way a user installs it (kubectl apply -k
// deploy; operator and agent from their images), driven through the built `puck`. Each journey
// prints its timings; the run ends with a summary table.
// @needs: cluster
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiStatusWithToken, kubectl } from "../lib/cluster.js";
import { readSprite } from "../lib/sprites.js";
import { waitFor } from "../lib/wait.js";
import { installPuckWithNamespace, stopInClusterOperator } from "../lib/install.js";
import { puck, puckInTerminal, type PuckResult } from "../lib/puck-cli.js";

const MINUTE = 60_000;
const timings: { journey: string; step: string; seconds: number }[] = [];
let ns: { name: string; remove: () => Promise<void> };

const record = (journey: string, step: string, sinceMs: number) => {
  const seconds = (Date.now() - sinceMs) / 1000;
  timings.push({ journey, step, seconds });
  console.log(`[${journey}] ${step}: ${seconds.toFixed(1)} s`);
  return seconds;
};

const run = (args: string[], timeoutMs = 5 * MINUTE) => puck(["-n", ns.name, ...args], { timeoutMs });

/** Runs puck and fails with its output unless it exits 0. */
async function ok(args: string[], timeoutMs?: number): Promise<PuckResult> {
  const result = await run(args, timeoutMs);
  if (result.code !== 0) {
    throw new Error(`puck ${args.join(" ")} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
  return result;
}

interface SpriteView {
  phase?: string;
  reason?: string;
  activeSessions?: number;
  busy: number;
  hibernatedAt?: string;
}

async function view(name: string): Promise<SpriteView> {
  const status = (await readSprite(ns.name, name)).status ?? {};
  return {
    phase: status.phase,
    reason: status.reason,
    activeSessions: status.activeSessions,
    busy: status.activity?.busyProcesses?.length ?? 0,
    hibernatedAt: status.hibernatedAt,
  };
}

async function waitPhase(name: string, phase: string, timeoutMs: number): Promise<SpriteView> {
  return waitFor(async () => {
    const v = await view(name);
    return v.phase === phase ? v : undefined;
  }, { timeoutMs, intervalMs: 500, what: `Sprite ${name} to be ${phase}`, describe: () => view(name) });
}

/** Asserts the Sprite stays Active for the whole window (checked every few seconds). */
async function staysActive(name: string, forMs: number): Promise<void> {
  const until = Date.now() + forMs;
  while (Date.now() < until) {
    const v = await view(name);
    expect(v.phase, `Sprite ${name} should still be Active (${JSON.stringify(v)})`).toBe("Active");
    await new Promise((r) => setTimeout(r, Math.min(3000, Math.max(0, until - Date.now()))));
  }
}

const create = (name: string, idleMinutes = 1) =>
  ok(["create", name, "--image", "puck-sprite:dev", "--idle-timeout", String(idleMinutes), "--storage", "1Gi"]);

beforeAll(async () => {
  ns = await installPuckWithNamespace("journey");
}, 5 * MINUTE);

afterAll(async () => {
  if (timings.length > 0) {
    console.log("\nJourney timings");
    console.log("journey".padEnd(28) + "step".padEnd(52) + "seconds");
    for (const t of timings) console.log(t.journey.padEnd(28) + t.step.padEnd(52) + t.seconds.toFixed(1));
  }
  await ns?.remove();
  // The last journey uninstalls Puck; this covers a run that failed before it.
  await stopInClusterOperator();
}, 2 * MINUTE);

describe.concurrent("journeys that wait on idle timeouts", () => {
  it("1. create, connect, write, exit; hibernates after its timeout; connect wakes it with the file", async () => {
    const j = "1-hibernate-and-wake";
    let t = Date.now();
    await create("j1");
    record(j, "create (until Active)", t);
    const term = puckInTerminal(["-n", ns.name, "connect", "j1"]);
    try {
      // The prompt names the Sprite (SPRITE_NAME), not the pod's host name j1-0.
      await term.waitForText(/sprite@j1:~\$ $/m, 60_000, "a shell prompt naming the Sprite");
      term.write("echo journey-one-$((6 * 7)) > ~/proof && exit\r");
      expect(await term.exited(30_000)).toBe(0);
    } finally {
      term.kill();
    }
    t = Date.now();
    await waitPhase("j1", "Hibernating", 4 * MINUTE);
    const idle = record(j, "exit -> Hibernating (timeout 60 s)", t);
    expect(idle).toBeGreaterThanOrEqual(45);
    t = Date.now();
    const read = await ok(["connect", "j1", "--", "cat", "/home/sprite/proof"]);
    record(j, "connect from hibernation -> command done", t);
    expect(read.stdout.trim()).toBe("journey-one-42");
  }, 8 * MINUTE);

  it("2. a nohup'ed make keeps it awake past its timeout; it hibernates one timeout after make ends", async () => {
    const j = "2-make-keeps-awake";
    await create("j2");
    // A real Makefile whose three steps each compute for 30 s: 90 s of work, longer than the timeout.
    const makefile = [
      "all: step1 step2 step3",
      "\t@echo all-done",
      "step%:",
      "\t@end=$$(( $$(date +%s) + 30 )); while [ $$(date +%s) -lt $$end ]; do :; done; echo $@ done",
    ].join("\n");
    const started = Date.now();
    await ok([
      "connect", "j2", "--", "sh", "-c",
      `printf '%s\\n' '${makefile.replace(/'/g, "'\\''")}' > ~/Makefile && cd ~ && nohup make > make.log 2>&1 &`,
    ]);
    // Past the 60 s timeout make is still running, and the Sprite says why it is awake.
    await staysActive("j2", 75_000);
    const whileBusy = await view("j2");
    expect(whileBusy.busy).toBeGreaterThan(0);
    const makeEnded = await waitFor(async () => ((await view("j2")).busy === 0 ? Date.now() : undefined), {
      timeoutMs: 2 * MINUTE, what: "make to end (no busy process reported)", describe: () => view("j2"),
    });
    record(j, "make ran (seen busy)", started);
    await waitPhase("j2", "Hibernating", 3 * MINUTE);
    const after = record(j, "make ended -> Hibernating", makeEnded);
    expect(after).toBeGreaterThanOrEqual(40);
  }, 10 * MINUTE);

  it("3. a forgotten terminal does not keep it awake, silent or printing; one whose work prints and burns CPU does", async () => {
    const j = "3-forgotten-vs-working";
    await Promise.all([create("j3-silent"), create("j3-printing"), create("j3-working")]);
    const silent = puckInTerminal(["-n", ns.name, "connect", "j3-silent"]);
    const printing = puckInTerminal(["-n", ns.name, "connect", "j3-printing"]);
    const working = puckInTerminal(["-n", ns.name, "connect", "j3-working"]);
    try {
      await Promise.all([silent, printing, working].map((term) => term.waitForText(/\$ $/m, 60_000, "a shell prompt")));
      // Output alone is not someone working (a `watch` nobody reads); output from work that burns CPU is.
      printing.write("while true; do date; sleep 5; done\r");
      // One long-lived process (the agent measures CPU per process): ~0.7 s of sums, a line, 1 s asleep.
      working.write("awk 'BEGIN { while (1) { for (i = 0; i < 20000000; i++) x += i; print \"step\", ++n; fflush(); system(\"sleep 1\") } }'\r");
      const t = Date.now();
      await Promise.all([waitPhase("j3-silent", "Hibernating", 4 * MINUTE), waitPhase("j3-printing", "Hibernating", 4 * MINUTE)]);
      record(j, "silent and printing terminals attached -> Hibernating", t);
      // The working one has outlived its timeout by the time the others slept; check a while more.
      await staysActive("j3-working", Math.max(0, 75_000 - (Date.now() - t)));
      expect((await view("j3-working")).activeSessions).toBeGreaterThanOrEqual(1);
      record(j, "working terminal kept it Active for", t);
    } finally {
      silent.kill();
      printing.kill();
      working.kill();
    }
  }, 8 * MINUTE);

  it("4. keepawake holds it up until its time, then it hibernates", async () => {
    const j = "4-keepawake";
    await create("j4");
    const t = Date.now();
    await ok(["connect", "j4", "--", "keepawake", "100s"]);
    await staysActive("j4", 80_000);
    await waitPhase("j4", "Hibernating", 3 * MINUTE);
    const held = record(j, "keepawake 100s -> Hibernating", t);
    expect(held).toBeGreaterThanOrEqual(95);
  }, 8 * MINUTE);

  it("8. 20 hibernate/wake cycles keep the home directory identical", async () => {
    const j = "8-twenty-cycles";
    await create("j8", 30);
    const checksum = ["connect", "j8", "--", "sh", "-c", "cd ~ && find . -type f ! -path './.puck/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum"];
    await ok(["connect", "j8", "--", "sh", "-c",
      "mkdir -p ~/tree/a/b && head -c 2000000 /dev/urandom > ~/tree/blob && for i in $(seq 1 50); do echo $i > ~/tree/a/b/f$i; done"]);
    const before = (await ok(checksum)).stdout.trim();
    expect(before).toMatch(/^[0-9a-f]{64}/);
    const started = Date.now();
    for (let cycle = 1; cycle <= 20; cycle++) {
      await ok(["hibernate", "j8", "--yes"]);
      await waitPhase("j8", "Hibernating", MINUTE);
      await waitFor(async () => {
        const { stdout } = await kubectl(["-n", ns.name, "get", "pods", "-l", "puck.sandwich.labs/sprite=j8", "-o", "name"]);
        return stdout.trim() === "";
      }, { timeoutMs: MINUTE, what: "the pod of j8 to be gone" });
      const after = (await ok(checksum)).stdout.trim();
      expect(after, `checksum after cycle ${cycle}`).toBe(before);
    }
    record(j, "20 cycles (hibernate, pod gone, wake + checksum)", started);
  }, 15 * MINUTE);
});

describe("journeys that act right away", () => {
  it("5. delete keeps the volume; re-creating brings the data back; --purge removes it", async () => {
    const j = "5-delete-and-purge";
    await create("j5", 30);
    await ok(["connect", "j5", "--", "sh", "-c", "echo kept > ~/kept"]);
    let t = Date.now();
    await ok(["delete", "j5"]);
    await waitFor(async () => {
      const { stdout } = await kubectl(["-n", ns.name, "get", "sprites", "-o", "name"]);
      return !stdout.includes("sprite.puck.sandwich.labs/j5");
    }, { timeoutMs: MINUTE, what: "Sprite j5 to be deleted" });
    record(j, "delete", t);
    const { stdout: pvc } = await kubectl(["-n", ns.name, "get", "pvc", "j5-home", "-o", "jsonpath={.status.phase}"]);
    expect(pvc).toBe("Bound");
    t = Date.now();
    await create("j5", 30);
    const read = await ok(["connect", "j5", "--", "cat", "/home/sprite/kept"]);
    record(j, "re-create + read", t);
    expect(read.stdout.trim()).toBe("kept");
    await ok(["delete", "j5", "--purge", "--yes"]);
    await waitFor(async () => {
      const { stdout } = await kubectl(["-n", ns.name, "get", "pvc", "-o", "name"]);
      return !stdout.includes("persistentvolumeclaim/j5-home");
    }, { timeoutMs: MINUTE, what: "PVC j5-home to be purged" });
  }, 6 * MINUTE);

  it("6. the agent's token reads and patches its own Sprite's status only", async () => {
    await Promise.all([create("j6", 30), create("j6-other", 30)]);
    const { stdout: token } = await kubectl(["-n", ns.name, "create", "token", "j6-agent", "--duration=10m"]);
    const sprites = `/apis/puck.sandwich.labs/v1alpha1/namespaces/${ns.name}/sprites`;
    const as = (method: string, path: string, body?: unknown) => apiStatusWithToken(token.trim(), method, path, body);
    const report = { status: { activity: { reportTime: new Date().toISOString() } } };
    const cases: [string, Promise<number>, number][] = [
      ["get its own Sprite", as("GET", `${sprites}/j6`), 200],
      ["patch its own Sprite's status", as("PATCH", `${sprites}/j6/status`, report), 200],
      ["get another Sprite", as("GET", `${sprites}/j6-other`), 403],
      ["patch another Sprite's status", as("PATCH", `${sprites}/j6-other/status`, report), 403],
      ["patch its own Sprite's spec", as("PATCH", `${sprites}/j6`, { spec: { idleTimeoutMinutes: 5 } }), 403],
      ["list Sprites beyond its own", as("GET", sprites), 403],
      ["list pods", as("GET", `/api/v1/namespaces/${ns.name}/pods`), 403],
      ["read secrets", as("GET", `/api/v1/namespaces/${ns.name}/secrets`), 403],
    ];
    const seen = await Promise.all(cases.map(async ([what, status]) => `${what}: ${await status}`));
    expect(seen).toEqual(cases.map(([what, , want]) => `${what}: ${want}`));
  }, 5 * MINUTE);

  it("7. the operator pod killed during a wake: the wake completes and the user gets a shell", async () => {
    const j = "7-operator-killed-mid-wake";
    await create("j7", 30);
    await ok(["hibernate", "j7", "--yes"]);
    await waitPhase("j7", "Hibernating", MINUTE);
    const t = Date.now();
    const connect = run(["connect", "j7", "--", "echo", "woke-up"]);
    await kubectl(["-n", "puck-system", "delete", "pod", "-l", "app.kubernetes.io/name=puck-operator", "--grace-period=0", "--force", "--wait=false"]);
    const result = await connect;
    record(j, "connect while the operator restarts", t);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe("woke-up");
  }, 6 * MINUTE);

  it("9. uninstall as docs/install.md says: Sprites go, their volumes and data stay, nothing of Puck is left", async () => {
    const j = "9-uninstall";
    await create("j9", 30);
    await ok(["connect", "j9", "--", "sh", "-c", "echo survives-uninstall > ~/kept"]);
    const t = Date.now();
    await kubectl(["delete", "sprites", "--all", "--all-namespaces", "--wait=true", "--timeout=120s"], { timeoutMs: 150_000 });
    await kubectl(["delete", "--ignore-not-found", "--wait=true", "--timeout=120s", "-k", "deploy"], { timeoutMs: 150_000 });
    record(j, "delete Sprites, then kubectl delete -k deploy", t);
    for (const [kind, name] of [["crd", "sprites.puck.sandwich.labs"], ["namespace", "puck-system"], ["clusterrole", "puck-operator"], ["clusterrolebinding", "puck-operator"]]) {
      const { stdout } = await kubectl(["get", kind!, name!, "--ignore-not-found", "-o", "name"]);
      expect(stdout.trim(), `${kind}/${name} should be gone`).toBe("");
    }
    const { stdout: pvc } = await kubectl(["-n", ns.name, "get", "pvc", "j9-home", "-o", "jsonpath={.status.phase}"]);
    expect(pvc).toBe("Bound");
  }, 6 * MINUTE);
});
