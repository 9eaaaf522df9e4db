// Runs puck-gateway as built (dist/gateway.js, with the image's Node flags) as a process on this
// machine, with the test kubeconfig's rights: on a free port, serving one namespace's Sprites, its
// host key in a Secret there; with a URL domain, Sprite URLs on a second free port too.
import { spawn } from "node:child_process";
import { ensureBundle } from "./bundles.js";
import { kubeconfigPath } from "./cluster.js";
import { freePort } from "./operator-process.js";
import { waitFor } from "./wait.js";

export interface GatewayProcess {
  port: number;
  /** Where it serves Sprite URLs (HTTP), when started with a URL domain. */
  httpPort?: number;
  pid: number;
  /** Its output so far (JSON log lines). */
  log(): string;
  /** SIGTERM, and another if it is still draining; resolves once it exited. */
  stop(): Promise<void>;
}

/**
 * Starts dist/gateway.js (rebuilt when stale), or another build of it a benchmark compares; resolves
 * once it serves SSH. It runs on this process's Node: under npm (and npx), the project's Node 24
 * from node_modules, the image's version.
 */
export async function startGatewayProcess(namespace: string, bundle?: string, options: { urlDomain?: string; extraArgs?: string[] } = {}): Promise<GatewayProcess> {
  const listen = await freePort();
  const httpPort = options.urlDomain ? await freePort() : undefined;
  const child = spawn(process.execPath, [
    // As images/gateway/Dockerfile runs it.
    "--max-old-space-size=64",
    bundle ?? (await ensureBundle("gateway")), "--kubeconfig", kubeconfigPath(), "--listen", `127.0.0.1:${listen}`,
    "--default-namespace", namespace, "--host-key-namespace", namespace,
    ...(options.urlDomain ? ["--url-domain", options.urlDomain, "--http-listen", `127.0.0.1:${httpPort}`] : []),
    ...(options.extraArgs ?? []),
  ]);
  let output = "";
  let exited = false;
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  child.once("exit", () => (exited = true));
  await waitFor(() => {
    if (exited) throw new Error(`puck-gateway exited: ${output}`);
    return output.includes("Serving SSH") && (httpPort === undefined || output.includes("Serving HTTP"));
  }, { timeoutMs: 30_000, what: "puck-gateway to serve", describe: () => output });
  return {
    port: listen,
    ...(httpPort !== undefined ? { httpPort } : {}),
    pid: child.pid!,
    log: () => output,
    stop: () => new Promise((resolve) => {
      if (exited) return resolve();
      // SIGTERM drains (a connection a failed test left open would hold the process for the drain's
      // hour), accepting for a few seconds first. A second signal stops it at once.
      const again = setTimeout(() => child.kill("SIGTERM"), 200);
      child.once("exit", () => {
        clearTimeout(again);
        resolve();
      });
      child.kill("SIGTERM");
    }),
  };
}
