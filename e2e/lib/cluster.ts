// Access to the local test cluster for e2e tests: its kubeconfig, kubectl, and throwaway namespaces.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { createKubeClient, type ClientOptions, type KubeClient } from "../../kube/client.js";
import { loadKubeconfig } from "../../kube/kubeconfig.js";
import { run } from "./exec.js";

/** A kube/ client for the test cluster, as the test kubeconfig's user. */
export async function kubeClient(options: ClientOptions = {}): Promise<KubeClient> {
  return createKubeClient(await loadKubeconfig({ kubeconfig: kubeconfigPath() }, process.env, () => import("yaml")), options);
}

/** The kubeconfig of the cluster under test: $KUBECONFIG, or the one e2e/cluster/up.sh writes. */
export function kubeconfigPath(): string {
  const path = process.env.KUBECONFIG || "/var/lib/puck-e2e/kubeconfig";
  if (!existsSync(path)) {
    throw new Error(`No kubeconfig at ${path}: bring the local cluster up with \`npm run cluster:up\`.`);
  }
  return path;
}

/** The kubectl the cluster scripts built (same version as the cluster), else the one on PATH. */
export function kubectlPath(): string {
  if (process.env.PUCK_KUBECTL) return process.env.PUCK_KUBECTL;
  const built = "/var/lib/puck-e2e/bin/kubectl";
  return existsSync(built) ? built : "kubectl";
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
}

/** Runs kubectl against the test cluster; rejects with its stderr on a non-zero exit. */
export async function kubectl(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  const child = run(kubectlPath(), ["--kubeconfig", kubeconfigPath(), ...args], {
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (options.input !== undefined) {
    child.child.stdin?.end(options.input);
  }
  try {
    return await child;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(" ")}: ${e.stderr?.trim() || e.message}`, { cause: error });
  }
}

/** Creates a namespace with a unique name for one test file; returns it and a function that deletes it. */
export async function makeNamespace(prefix: string): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `${prefix}-${randomBytes(3).toString("hex")}`;
  await kubectl(["create", "namespace", name]);
  return {
    name,
    remove: async () => {
      await kubectl(["delete", "namespace", name, "--wait=false", "--ignore-not-found"]);
    },
  };
}

/** Installs (or updates) the Sprite and SpriteToken CRDs from deploy/crd.yaml and waits until it is served. */
export async function installCrd(): Promise<void> {
  await kubectl(["apply", "--server-side", "--force-conflicts", "-f", "deploy/crd.yaml"]);
  await kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd/sprites.puck.sandwich.labs", "crd/spritetokens.puck.sandwich.labs"]);
}

/**
 * Restarts one daemon of the local cluster (e.g. "kube-apiserver") with its original command line
 * and, for the API server, waits until it is ready again. Resolves with how long it was away.
 */
export async function restartClusterDaemon(daemon: string): Promise<number> {
  const started = Date.now();
  await run("bash", ["e2e/cluster/restart.sh", daemon], { timeout: 120_000 });
  return Date.now() - started;
}

/**
 * Sends one request to the test cluster's API server as the holder of a bearer token alone (with a
 * client certificate too, the API server would authenticate the certificate) and resolves with the
 * HTTP status: exactly what the token may do, with no client-side GET before a PATCH.
 */
export async function apiStatusWithToken(token: string, method: string, path: string, body?: unknown): Promise<number> {
  const { stdout: server } = await kubectl(["config", "view", "--raw", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"]);
  const { stdout: ca } = await kubectl(["config", "view", "--raw", "--minify", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}"]);
  const url = new URL(path, server);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        ca: Buffer.from(ca, "base64"),
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/merge-patch+json" }),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Writes a kubeconfig for the test cluster that authenticates with `token` alone: exactly that identity's rights. */
export async function kubeconfigWithToken(path: string, token: string): Promise<string> {
  const { parse, stringify } = await import("yaml");
  const config = parse(readFileSync(kubeconfigPath(), "utf8")) as { users: { user: Record<string, unknown> }[] };
  for (const user of config.users) user.user = { token };
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}
