// A watch whose connection goes silent — the link died and nothing was closed, as after a laptop's
// Wi-Fi changed or a NAT entry was dropped — is noticed within ~90 s and resumed from the last
// resourceVersion. `puck list -w` and an operator, each through a proxy that freezes the connections
// open at that moment (new ones work), see a Sprite created after the freeze. Both cases wait out
// the same silence, so they run at once.
// @needs: cluster-alongside
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { parse, stringify } from "yaml";
import { installCrd, kubeconfigPath, kubectl, makeNamespace } from "../lib/cluster.js";
import { ensureOperatorBuilt, metricValue, startOperator } from "../lib/operator-process.js";
import { ensurePuckBuilt, spawnPuck } from "../lib/puck-cli.js";
import { waitFor } from "../lib/wait.js";
import { createSprite, getSprite } from "../lib/sprites.js";
import { startTcpProxy, type TcpProxy } from "../lib/tcp-proxy.js";

/** What the issue asks: a dead watch noticed within ~90 s (the client takes 75 s with bookmarks)... */
const NOTICE_MS = 90_000;
/** ...and the Sprite shown or reconciled a moment after. */
const SLACK_MS = 15_000;

const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  await Promise.all([installCrd(), ensurePuckBuilt(), ensureOperatorBuilt()]);
  // A CRD installed (or changed) a moment ago answers 429 "storage is (re)initializing" for a while,
  // and `puck list -w` would give up on its first list.
  await waitFor(() => kubectl(["get", "sprites.puck.sandwich.labs", "-A"]).then(() => true), {
    what: "the API server to serve Sprites",
    timeoutMs: 60_000,
  });
}, 300_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) {
    await Promise.resolve()
      .then(cleanup)
      .catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  }
}, 300_000);

/** A proxy in front of the test cluster's API server, and a kubeconfig that goes through it. */
async function throughProxy(): Promise<{ proxy: TcpProxy; kubeconfig: string }> {
  const config = parse(readFileSync(kubeconfigPath(), "utf8")) as { clusters: { cluster: { server: string } }[] };
  const api = new URL(config.clusters[0]!.cluster.server);
  const proxy = await startTcpProxy({ host: api.hostname, port: Number(api.port || 443), protocol: api.protocol });
  cleanups.push(() => proxy.close());
  for (const { cluster } of config.clusters) cluster.server = proxy.url;
  const kubeconfig = join(mkdtempSync(join(tmpdir(), "watch-silence-")), "kubeconfig");
  writeFileSync(kubeconfig, stringify(config), { mode: 0o600 });
  return { proxy, kubeconfig };
}

/** A Sprite hibernated from the start: the operator reconciles it without starting a pod. */
const createAsleep = (namespace: string, name: string) => createSprite(namespace, name, { hibernateRequestedAt: new Date().toISOString() });

async function namespace(prefix: string): Promise<string> {
  const ns = await makeNamespace(prefix);
  cleanups.push(ns.remove);
  return ns.name;
}

describe("a watch whose connection goes silent", () => {
  it.concurrent("puck list -w notices within ~90 s and shows a Sprite created after the freeze, without listing again", async ({ expect }) => {
    const ns = await namespace("silence-cli");
    const { proxy, kubeconfig } = await throughProxy();
    const watch = spawnPuck(["-n", ns, "list", "-w"], { env: { KUBECONFIG: kubeconfig } });
    cleanups.push(() => watch.child.kill("SIGKILL"));
    const shows = (name: string) => () => new RegExp(`^${name}\\s`, "m").test(watch.stdout());
    const seen = { what: "", describe: () => ({ stdout: watch.stdout(), stderr: watch.stderr() }) };

    await createAsleep(ns, "listed");
    await waitFor(shows("listed"), { ...seen, what: "list -w to list the first Sprite", timeoutMs: 30_000 });
    await createAsleep(ns, "watched");
    await waitFor(shows("watched"), { ...seen, what: "list -w to show a Sprite from its watch", timeoutMs: 20_000 });

    proxy.freezeOpen();
    const frozenAt = Date.now();
    await createAsleep(ns, "after-freeze");
    await waitFor(shows("after-freeze"), { ...seen, what: "list -w to show a Sprite created after its connection froze", timeoutMs: NOTICE_MS + SLACK_MS });
    console.log(`puck list -w showed the Sprite ${Math.round((Date.now() - frozenAt) / 1000)} s after the freeze`);
    // Resumed from the last resourceVersion, not relisted after a failure (which prints a line to retry).
    expect(watch.stderr()).toBe("");
    expect(proxy.connections()).toBeGreaterThanOrEqual(2);
  }, NOTICE_MS + SLACK_MS + 90_000);

  it.concurrent("an operator notices within ~90 s and reconciles a Sprite created after the freeze, staying ready", async ({ expect }) => {
    const ns = await namespace("silence-operator");
    const { proxy, kubeconfig } = await throughProxy();
    // No leader election: its Lease renewals, stuck on a frozen connection, would lose leadership and
    // restart every watch with a relist, which is not what is tested here.
    const operator = await startOperator({ namespace: ns, kubeconfig, args: ["--leader-elect", "false"] });
    // Thawed first, so even a watch that never noticed lets the operator remove its finalizers.
    cleanups.push(async () => {
      proxy.thaw();
      await operator.stop();
    });
    const reconciled = (name: string) => async () => (await getSprite(ns, name))?.status?.phase === "Hibernating" || undefined;
    const seen = { what: "", describe: async () => ({ sprite: (await getSprite(ns, "after-freeze"))?.status, logs: operator.logs().slice(-3000) }) };

    await createAsleep(ns, "before-freeze");
    await waitFor(reconciled("before-freeze"), { ...seen, what: "the operator to reconcile a first Sprite", timeoutMs: 30_000 });

    proxy.freezeOpen();
    const frozenAt = Date.now();
    await createAsleep(ns, "after-freeze");
    await waitFor(reconciled("after-freeze"), { ...seen, what: "the operator to reconcile a Sprite created after its connections froze", timeoutMs: NOTICE_MS + SLACK_MS });
    console.log(`the operator reconciled the Sprite ${Math.round((Date.now() - frozenAt) / 1000)} s after the freeze`);
    expect(metricValue(await (await fetch(operator.metricsUrl)).text(), "puck_watch_restarts_total", { resource: "sprites" })).toBeGreaterThanOrEqual(1);
    // A resumed watch keeps its cache: the operator stayed ready, with no relist.
    expect((await fetch(`${operator.healthUrl}/readyz`)).status).toBe(200);
    expect(operator.logs()).not.toMatch(/Restarting a failed watch/);
  }, NOTICE_MS + SLACK_MS + 90_000);
});
