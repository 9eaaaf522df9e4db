// Runs the built agent as a host process against the real cluster (through `kubectl proxy`), for
// host-side tests and benchmarks: the agent's children are then the "Sprite's" processes.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundlePath, ensureBundle, ROOT } from "./bundles.js";
import { kubeconfigPath, kubectlPath, makeNamespace } from "./cluster.js";
import { createSprite } from "./sprites.js";
import { waitFor } from "./wait.js";
import type { Sprite } from "../../operator/api/index.js";
import { agentContainer } from "../../operator/sprite/agent-container.js";
import { serverAccess } from "../../kube/access.js";
import { createKubeClient } from "../../kube/client.js";
import { makeLogger } from "../../agent/logger.js";
import { watchSprite } from "../../agent/sprite-watcher.js";
import { run } from "./exec.js";

const root = ROOT;
const bundle = bundlePath("agent");

/** Rebuilds dist/agent.js when an agent (or API) source is newer than it. */
export const ensureAgentBuilt = (): Promise<void> => ensureBundle("agent").then(() => undefined);

/**
 * `kubectl proxy` on a free port: it authenticates for the host agent as the kubeconfig's user.
 * Started through an exiting shell so that it is not a child of the test process, whose children
 * the host agent counts as sessions.
 */
export async function startProxy(): Promise<{ url: string; stop: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "puck-proxy-"));
  const log = join(dir, "proxy.log");
  const { stdout } = await run("sh", ["-c", `"$0" --kubeconfig "$1" proxy --port=0 >"$2" 2>&1 </dev/null & echo $!`, kubectlPath(), kubeconfigPath(), log]);
  const pid = Number(stdout.trim());
  const stop = () => {
    try {
      process.kill(pid);
    } catch {
      // already gone
    }
  };
  const read = () => (existsSync(log) ? readFileSync(log, "utf8") : "");
  try {
    const port = await waitFor(() => /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(read())?.[1], { what: "kubectl proxy to listen", timeoutMs: 10_000, describe: read });
    return { url: `http://127.0.0.1:${port}`, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

export interface StatusEvent {
  atMs: number;
  sprite: Sprite;
}

/** Watches the Sprite through the proxy and records every version of it with its arrival time. */
export function recordSprite(apiUrl: string, namespace: string, name: string): { events: StatusEvent[]; stop: () => void } {
  const client = createKubeClient(serverAccess({ server: apiUrl }));
  const controller = new AbortController();
  const events: StatusEvent[] = [];
  const log = makeLogger({ level: "error", write: () => {} });
  void watchSprite({ client, namespace, name, log, signal: controller.signal, onSprite: (s) => s && events.push({ atMs: Date.now(), sprite: s }) });
  return { events, stop: () => controller.abort() };
}

/**
 * A host-agent benchmark's Sprite: in a namespace of its own, reached through a kubectl proxy, every
 * version of it recorded. (No operator: the host agent only reads it and patches its status.)
 */
export async function benchSprite(name: string) {
  const ns = await makeNamespace("bench-agent");
  const proxy = await startProxy();
  await createSprite(ns.name, name, { idleTimeoutMinutes: 30 });
  return { ns, proxy, recorder: recordSprite(proxy.url, ns.name, name) };
}

export interface HostAgent {
  child: ChildProcess;
  pid: number;
  homeDir: string;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Starts dist/agent.js on the host. `sessionParentPid` stands in for the container runtime: its
 * children are sessions (the caller's pid by default). Own-cgroup exclusion is off on a host.
 */
export async function startHostAgent(opts: { namespace: string; name: string; apiUrl: string; sessionParentPid?: number; env?: Record<string, string> }): Promise<HostAgent> {
  await ensureAgentBuilt();
  const homeDir = mkdtempSync(join(tmpdir(), "puck-agent-home-"));
  const child = spawn(process.execPath, [bundle], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      SPRITE_NAME: opts.name,
      SPRITE_NAMESPACE: opts.namespace,
      PUCK_HOME_DIR: homeDir,
      PUCK_API_URL: opts.apiUrl,
      PUCK_SESSION_PARENT_PID: String(opts.sessionParentPid ?? process.pid),
      PUCK_EXCLUDE_OWN_CGROUP: "false",
      // The same Node flags as in a Sprite pod, so host figures compare.
      NODE_OPTIONS: agentContainer("host", "none").env.find((e) => e.name === "NODE_OPTIONS")?.value ?? "",
      ...opts.env,
    },
  });
  let out = "";
  const append = (c: Buffer) => {
    out += c.toString();
    if (out.length > 4_000_000) out = out.slice(-2_000_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    child,
    pid: child.pid ?? 0,
    homeDir,
    logs: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Resident memory and CPU ticks of a process, from /proc. */
export function processUsage(pid: number): { rssKiB: number; cpuTicks: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { rssKiB, cpuTicks: Number(f[11]) + Number(f[12]) };
}

/**
 * scripts/run-ts.mjs leaves esbuild's service running as a child of the benchmark — and the host
 * agent counts the benchmark's children as sessions. So a benchmark re-runs its own bundle
 * (`import.meta.url`) in a fresh node whose only children are the ones it makes.
 */
export function rerunWithoutEsbuild(bundleUrl: string): void {
  if (process.env.PUCK_BENCH_CHILD) return;
  const r = spawnSync(process.execPath, [fileURLToPath(bundleUrl), ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, PUCK_BENCH_CHILD: "1" } });
  process.exit(r.status ?? 1);
}
