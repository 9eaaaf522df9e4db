// Access to the local test cluster for e2e tests: its kubeconfig, kubectl, and throwaway namespaces.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

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

/** Installs (or updates) the Sprite CRD from deploy/crd.yaml and waits until it is served. */
export async function installCrd(): Promise<void> {
  await kubectl(["apply", "--server-side", "--force-conflicts", "-f", "deploy/crd.yaml"]);
  await kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd/sprites.puck.sandwich.labs"]);
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
 * Runs kubectl as the holder of a bearer token alone: a kubeconfig with the test cluster's server
 * and CA but no client certificate (with one, the API server would authenticate the certificate).
 */
export async function kubectlWithToken(token: string, args: string[]): Promise<KubectlResult> {
  const { stdout: server } = await kubectl(["config", "view", "--raw", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"]);
  const { stdout: ca } = await kubectl(["config", "view", "--raw", "--minify", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}"]);
  const dir = await mkdtemp(join(tmpdir(), "puck-token-"));
  const file = join(dir, "kubeconfig");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server, "certificate-authority-data": ca } }],
    users: [{ name: "u", user: { token } }],
    contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
    "current-context": "c",
  };
  await writeFile(file, JSON.stringify(config), { mode: 0o600 });
  try {
    return await run(kubectlPath(), ["--kubeconfig", file, ...args], { timeout: 60_000 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`kubectl (token) ${args.join(" ")}: ${e.stderr?.trim() || e.message}`, { cause: error });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
