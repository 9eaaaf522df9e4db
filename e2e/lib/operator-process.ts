// Runs the operator as a real process for e2e tests: builds dist/operator.js if stale, picks free
// ports, waits for /readyz, and stops it (SIGTERM, then SIGKILL) when asked.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { ROOT, bundlePath, ensureBundle } from "./bundles.js";
import { kubeconfigPath, kubectl } from "./cluster.js";
import { waitFor } from "./wait.js";

const root = ROOT;
const bundle = bundlePath("operator");

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
  /** Another way to the test cluster (e.g. through a proxy); the test cluster's kubeconfig otherwise. */
  kubeconfig?: string;
}

/** Rebuilds dist/operator.js when any operator source is newer than it. */
export const ensureOperatorBuilt = (): Promise<void> => ensureBundle("operator").then(() => undefined);

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
    opts.kubeconfig ?? kubeconfigPath(),
    "--metrics-bind-address",
    `127.0.0.1:${metricsPort}`,
    "--health-probe-bind-address",
    `127.0.0.1:${healthPort}`,
    "--agent-image",
    // PUCK_AGENT_IMAGE: a bench of a branch's own agent image, without retagging the shared puck-agent:dev.
    opts.agentImage ?? process.env.PUCK_AGENT_IMAGE ?? "puck-agent:dev",
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
