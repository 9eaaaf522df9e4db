// The shared Kubernetes client (kube/) against the real API server: deadlines on requests, silent
// watches resumed, 410 Gone relisted, UTF-8 split across chunks, rotated tokens, exec plugins.
// @needs: cluster
import { chmodSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { ClusterAccess } from "../../kube/access.js";
import { createKubeClient, type KubeClient, type KubeObject } from "../../kube/client.js";
import { KubeError, LOCAL_REASON } from "../../kube/errors.js";
import { loadKubeconfig } from "../../kube/kubeconfig.js";
import { listWatch } from "../../kube/list-watch.js";
import { CORE, resourcePath } from "../../kube/paths.js";
import { SPRITES } from "../../operator/api/index.js";
import { Backoff } from "../../kube/backoff.js";
import { installCrd, kubeconfigPath, kubectl, makeNamespace } from "../lib/cluster.js";
import { waitFor } from "../lib/wait.js";
import { startTcpProxy, type TcpProxy } from "../lib/tcp-proxy.js";

const loadYaml = () => import("yaml");
let ns: { name: string; remove: () => Promise<void> };
let admin: ClusterAccess;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  await installCrd();
  ns = await makeNamespace("kube-client");
  admin = await loadKubeconfig({ kubeconfig: kubeconfigPath() }, {}, loadYaml);
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await ns?.remove();
});

/** The test cluster's access with another server URL (a proxy in front of the same API server). */
const through = (proxy: TcpProxy): ClusterAccess => ({ ...admin, server: proxy.url });
const apiTarget = () => {
  const url = new URL(admin.server);
  return { host: url.hostname, port: Number(url.port || 443), protocol: url.protocol };
};
const configMap = (name: string, annotations: Record<string, string> = {}) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, annotations }, data: {} });

/** A TCP server that accepts connections and never answers. */
async function blackHole(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => void sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("the shared client against the real API server", () => {
  it("ends a request that gets no answer at its deadline with a Timeout KubeError", async () => {
    const hole = await blackHole();
    cleanups.push(hole.close);
    const client = createKubeClient({ ...admin, server: hole.url }, { timeoutMs: 700 });
    const started = Date.now();
    const error = await client.request("GET", resourcePath(CORE.configmaps, { namespace: ns.name })).catch((e: unknown) => e);
    const tookMs = Date.now() - started;
    expect(error).toBeInstanceOf(KubeError);
    expect((error as KubeError).reason).toBe(LOCAL_REASON.timeout);
    expect(tookMs).toBeGreaterThanOrEqual(650);
    expect(tookMs).toBeLessThan(5000);
  });

  it("a real list with a deadline too short for it times out the same way", async () => {
    const client = createKubeClient(admin, { timeoutMs: 1 });
    const error = await client.request("GET", resourcePath(CORE.pods)).catch((e: unknown) => e);
    expect((error as KubeError).reason).toBe(LOCAL_REASON.timeout);
  });

  it("restarts a watch that went silent from its last resourceVersion, and sees what changed meanwhile without a relist", async () => {
    const proxy = await startTcpProxy(apiTarget());
    cleanups.push(proxy.close);
    const client = createKubeClient(through(proxy), { timeoutMs: 2000 });
    const abort = new AbortController();
    const seen = new Set<string>();
    const lists: string[][] = [];
    const restarts: string[] = [];
    const errors: unknown[] = [];
    const watching = listWatch<KubeObject>({
      client,
      path: resourcePath(CORE.configmaps, { namespace: ns.name }),
      signal: abort.signal,
      silenceMs: 1500,
      backoff: new Backoff({ initialMs: 200, maxMs: 1000 }),
      onList: (items) => {
        lists.push(items.map((i) => i.metadata.name));
        for (const i of items) seen.add(i.metadata.name);
      },
      onEvent: (e) => seen.add(e.object.metadata.name),
      onRestart: (why) => restarts.push(why),
      onError: (e) => errors.push(e),
    });
    const state = () => ({ seen: [...seen], lists, restarts, errors: errors.map(String) });
    try {
      await waitFor(() => lists.length > 0 || undefined, { what: "the first list", timeoutMs: 10_000 });
      await kubectl(["apply", "-n", ns.name, "-f", "-"], { input: JSON.stringify(configMap("before-freeze")) });
      await waitFor(() => seen.has("before-freeze") || undefined, { what: "the watch to see before-freeze", timeoutMs: 10_000, describe: state });

      proxy.freeze();
      await waitFor(() => restarts.includes("silent") || undefined, { what: "the silent watch to be restarted", timeoutMs: 10_000, describe: state });
      await kubectl(["apply", "-n", ns.name, "-f", "-"], { input: JSON.stringify(configMap("during-freeze")) });
      proxy.thaw();
      await waitFor(() => seen.has("during-freeze") || undefined, { what: "the resumed watch to show during-freeze", timeoutMs: 20_000, describe: state });
      await kubectl(["apply", "-n", ns.name, "-f", "-"], { input: JSON.stringify(configMap("after-thaw")) });
      await waitFor(() => seen.has("after-thaw") || undefined, { what: "the resumed watch to see after-thaw", timeoutMs: 10_000, describe: state });
      // Nothing was missed, so nothing was listed again, and a silence is not reported as a failure.
      expect(lists).toHaveLength(1);
      expect(errors).toEqual([]);
    } finally {
      abort.abort();
      await watching;
    }
  });

  it("relists after 410 Gone when asked to watch from a compacted resourceVersion", async () => {
    const client = createKubeClient(admin);
    /** One loop from resourceVersion 1 until its first list: how it got there. */
    const fromRevisionOne = async () => {
      const abort = new AbortController();
      const restarts: string[] = [];
      const lists: number[] = [];
      const errors: unknown[] = [];
      const watching = listWatch<KubeObject>({
        client,
        // Sprites: their watch cache starts with the CRD, long after revision 1, so the API server answers
        // "too old" even on a young cluster (a built-in type may serve an old revision from etcd until
        // it is compacted, minutes after the cluster starts).
        path: resourcePath(SPRITES, { namespace: ns.name }),
        signal: abort.signal,
        resourceVersion: "1",
        onList: (items) => lists.push(items.length),
        onEvent: () => {},
        onRestart: (why) => restarts.push(why),
        onError: (e) => errors.push(e),
      });
      try {
        await waitFor(() => lists.length > 0 || undefined, { what: "a relist after 410", timeoutMs: 10_000, describe: () => ({ restarts, errors: errors.map(String) }) });
      } finally {
        abort.abort();
        await watching;
      }
      return { restarts, errors };
    };
    // Right after the CRD is installed its watch cache is still filling, and the API server answers
    // watches with 429 "storage is (re)initializing": the loop backs off and lists (right too), but
    // this test is about 410, so it asks again once the cache serves.
    const outcome = await waitFor(async () => {
      const run = await fromRevisionOne();
      const initializing = run.errors.length > 0 && run.errors.every((e) => e instanceof KubeError && e.status === 429);
      return initializing ? undefined : run;
    }, { what: "a watch of Sprites that the API server serves (not 429)", timeoutMs: 60_000 });
    expect(outcome.restarts[0], JSON.stringify({ restarts: outcome.restarts, errors: outcome.errors.map(String) })).toBe("gone");
    expect(outcome.errors).toEqual([]);
  });

  it("decodes a multi-byte character split between two chunks, in a response and in a watch", async () => {
    const note = "café — 日本語 — 🦊";
    // Cut every server chunk inside each 日 (E6 97 A5) and each 🦊 (F0 9F A6 8A) it holds.
    const cutInside = (chunk: Buffer) => {
      const cuts: number[] = [];
      for (const [char, offset] of [["日", 1], ["🦊", 2]] as const) {
        for (let at = chunk.indexOf(char); at >= 0; at = chunk.indexOf(char, at + 1)) cuts.push(at + offset);
      }
      return cuts;
    };
    // TLS would hide the bytes from the proxy: go through plain HTTP, `kubectl proxy` style, instead.
    const { startProxy } = await import("../lib/host-agent.js");
    const kubectlProxy = await startProxy();
    cleanups.push(kubectlProxy.stop);
    const plain = new URL(kubectlProxy.url);
    const cutting = await startTcpProxy({ host: plain.hostname, port: Number(plain.port), protocol: "http:" }, { cutServerChunk: cutInside });
    cleanups.push(cutting.close);
    const client = createKubeClient({ server: cutting.url, namespace: ns.name, insecure: false });

    await kubectl(["apply", "-n", ns.name, "-f", "-"], { input: JSON.stringify(configMap("multibyte", { note })) });
    const got = await client.request<KubeObject>("GET", resourcePath(CORE.configmaps, { namespace: ns.name, name: "multibyte" }));
    expect(got.metadata.annotations?.note).toBe(note);

    const abort = new AbortController();
    const notes: string[] = [];
    const watching = client.watch<KubeObject>(
      resourcePath(CORE.configmaps, { namespace: ns.name }),
      { fieldSelector: "metadata.name=multibyte", resourceVersion: got.metadata.resourceVersion },
      (e) => void notes.push(e.object.metadata.annotations?.note ?? ""),
      abort.signal,
    );
    try {
      await kubectl(["annotate", "--overwrite", "-n", ns.name, "configmap", "multibyte", `note=${note}!`]);
      await waitFor(() => notes.length > 0 || undefined, { what: "the watch event", timeoutMs: 10_000 });
    } finally {
      abort.abort();
      await watching;
    }
    expect(notes[0]).toBe(`${note}!`);
    // The response and the watch event were each cut inside a character (or the test proved nothing).
    expect(cutting.cutChunks()).toBeGreaterThanOrEqual(2);
  });
});

describe("credentials against the real API server", () => {
  const whoAmI = async (client: KubeClient) => {
    const review = await client.request<{ status: { userInfo: { username: string } } }>(
      "POST",
      "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      { body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } },
    );
    return review.status.userInfo.username;
  };
  const tokenOf = async (sa: string) => (await kubectl(["create", "token", sa, "-n", ns.name, "--duration=10m"])).stdout.trim();
  // Token only: with a client certificate too, the API server would authenticate the certificate.
  const tokenAccess = (more: Partial<ClusterAccess>): ClusterAccess => ({ server: admin.server, namespace: ns.name, insecure: false, ...(admin.ca ? { ca: admin.ca } : {}), ...more });

  beforeAll(async () => {
    await kubectl(["create", "serviceaccount", "one", "-n", ns.name]);
    await kubectl(["create", "serviceaccount", "two", "-n", ns.name]);
  });

  it("reads a rotated token file again before the next request", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kube-token-"));
    const file = join(dir, "token");
    writeFileSync(file, await tokenOf("one"));
    const client = createKubeClient(tokenAccess({ tokenFile: file }));
    expect(await whoAmI(client)).toBe(`system:serviceaccount:${ns.name}:one`);
    // As the kubelet rotates a projected token: a new file renamed over the old one.
    writeFileSync(join(dir, "next"), await tokenOf("two"));
    renameSync(join(dir, "next"), file);
    expect(await whoAmI(client)).toBe(`system:serviceaccount:${ns.name}:two`);
  });

  it("authenticates with an exec plugin's ExecCredential from a kubeconfig, running it again only once it expired", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kube-exec-"));
    const runs = join(dir, "runs");
    writeFileSync(runs, "");
    const token = await tokenOf("one");
    const expiry = join(dir, "expiry");
    writeFileSync(expiry, new Date(Date.now() + 3_600_000).toISOString());
    const plugin = join(dir, "credential-plugin.sh");
    // Prints an ExecCredential with a real token; counts its runs; the expiry comes from a file the test rewrites.
    writeFileSync(
      plugin,
      `#!/bin/sh\necho run >> "${runs}"\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}' "$PLUGIN_TOKEN" "$(cat "${expiry}")"\n`,
    );
    chmodSync(plugin, 0o755);
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "exec",
        clusters: [{ name: "test", cluster: { server: admin.server, "certificate-authority-data": Buffer.from(admin.ca ?? "").toString("base64") } }],
        users: [{ name: "plugin", user: { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "./credential-plugin.sh", env: [{ name: "PLUGIN_TOKEN", value: token }], interactionMode: "Never" } } }],
        contexts: [{ name: "exec", context: { cluster: "test", user: "plugin", namespace: ns.name } }],
      }),
    );
    const access = await loadKubeconfig({ kubeconfig }, {}, loadYaml);
    const client = createKubeClient(access);
    const list = () => client.request("GET", resourcePath(CORE.configmaps, { namespace: ns.name })).catch((e: unknown) => e);
    const runCount = () => readFileSync(runs, "utf8").split("\n").filter(Boolean).length;
    expect(await whoAmI(client)).toBe(`system:serviceaccount:${ns.name}:one`);
    // A ServiceAccount without RBAC may not list: 403 (not 401) shows the token authenticated.
    const denied = await list();
    expect((denied as KubeError).status).toBe(403);
    expect(runCount()).toBe(1); // two requests, one run: the credential is cached until it expires

    // A credential past its expirationTimestamp is never sent: every request runs the plugin again.
    writeFileSync(expiry, new Date(Date.now() - 1000).toISOString());
    const expiring = createKubeClient(access);
    expect(await whoAmI(expiring)).toBe(`system:serviceaccount:${ns.name}:one`);
    expect(runCount()).toBe(2);
    await list();
    expect(runCount()).toBe(2); // `client` still holds its unexpired credential
    await whoAmI(expiring);
    expect(runCount()).toBe(3);
  });
});
