// Runs the operator as a real process for e2e tests: builds dist/operator.js if stale, picks free
// ports, waits for /readyz, and stops it (SIGTERM, then SIGKILL) when asked.
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { kubeconfigPath, kubectl } from "./cluster.js";
import { waitFor } from "./wait.js";

/** The repository root: found by walking up, since scripts/run-ts.mjs runs this from a bundle elsewhere. */
function findRoot(): string {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "operator/main.ts"))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}
const root = findRoot();
const bundle = join(root, "dist/operator.js");

export interface OperatorProcess {
  /**
   * Stops the operator with SIGTERM. With a namespace, it first deletes the Sprites there and waits
   * for them to go: their finalizer needs a running operator, or the test namespace would hang in
   * Terminating for ever. Pass { keepSprites: true } to stop it and leave them (e.g. a hand-over).
   */
  stop(options?: { keepSprites?: boolean }): Promise<void>;
  /** SIGKILL, no goodbye: for tests of crashes mid-reconcile. */
  kill(): Promise<void>;
  logs(): string;
  metricsUrl: string;
  healthUrl: string;
  pid: number;
}

export interface StartOperatorOptions {
  /** Watch only this namespace; the Lease then lives there too, so operators of different tests never contend. */
  namespace?: string;
  agentImage?: string;
  /** Extra flags, e.g. ["--idle-timeout-scale", "0.05"] (a 1-minute timeout lasts 3 s). */
  args?: string[];
  /** How long to wait for /readyz. */
  readyTimeoutMs?: number;
}

const newestMtime = (dir: string): number => {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
};

let building: Promise<void> | undefined;

/** Rebuilds dist/operator.js when any operator source is newer than it. */
export function ensureOperatorBuilt(): Promise<void> {
  building ??= (async () => {
    if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestMtime(join(root, "operator"))) return;
    await promisify(execFile)(process.execPath, ["scripts/build.mjs", "operator"], { cwd: root });
  })();
  return building;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export async function startOperator(opts: StartOperatorOptions = {}): Promise<OperatorProcess> {
  await ensureOperatorBuilt();
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const args = [
    bundle,
    "--kubeconfig",
    kubeconfigPath(),
    "--metrics-bind-address",
    `127.0.0.1:${metricsPort}`,
    "--health-probe-bind-address",
    `127.0.0.1:${healthPort}`,
    "--agent-image",
    opts.agentImage ?? "puck-agent:dev",
    ...(opts.namespace ? ["--namespace", opts.namespace, "--leader-election-namespace", opts.namespace] : []),
    ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    // Keep the tail: a long test must not hold every log line in memory.
    if (output.length > 4_000_000) output = output.slice(-2_000_000);
  };
  child.stdout.on("data", append);
  child.stderr.on("data", append);
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const healthUrl = `http://127.0.0.1:${healthPort}`;
  const end = async (signal: NodeJS.Signals) => {
    if (exitCode !== undefined) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitFor(
      async () => {
        if (exitCode !== undefined) throw new Error(`operator exited with code ${exitCode}`);
        const res = await fetch(`${healthUrl}/readyz`);
        return res.ok;
      },
      { what: "the operator's /readyz", timeoutMs: opts.readyTimeoutMs ?? 60_000, describe: () => output.slice(-3000) },
    );
  } catch (error) {
    await end("SIGKILL");
    throw error;
  }
  const deleteSprites = async (namespace: string) => {
    try {
      await kubectl(["delete", "sprites.puck.sandwich.labs", "--all", "-n", namespace, "--wait=true", "--timeout=120s"], { timeoutMs: 130_000 });
    } catch (error) {
      console.error(`startOperator: could not delete the Sprites in ${namespace} before stopping: ${String(error)}`);
    }
  };
  return {
    stop: async (options = {}) => {
      if (opts.namespace && !options.keepSprites && exitCode === undefined) await deleteSprites(opts.namespace);
      await end("SIGTERM");
    },
    kill: () => end("SIGKILL"),
    logs: () => output,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    healthUrl,
    pid: child.pid ?? 0,
  };
}

/** Reads one sample from a Prometheus text page, summing series whose labels include `labels`. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const seriesLabels = match[2] ?? "";
    if (Object.entries(labels).every(([k, v]) => seriesLabels.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}
