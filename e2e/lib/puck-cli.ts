// Drives the built `puck` (dist/puck.js) for e2e tests: as a plain process, or in a real terminal.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundlePath, ensureBundle, ROOT } from "./bundles.js";
import { kubeconfigPath, kubectl } from "./cluster.js";
import { openTerminal, stripAnsi, type Terminal } from "./terminal.js";

const root = ROOT;
export const PUCK = bundlePath("puck");

/** Rebuilds dist/puck.js when a CLI or API source is newer than it. */
export const ensurePuckBuilt = (): Promise<void> => ensureBundle("puck").then(() => undefined);

/**
 * Deletes every Sprite in a namespace and waits until they are gone. Call it while the operator still
 * runs: Sprites carry its finalizer, and without it their namespace would never finish deleting.
 */
export async function deleteSprites(namespace: string, timeoutSeconds = 90): Promise<void> {
  await kubectl(["delete", "sprites", "--all", "-n", namespace, "--wait=true", `--timeout=${timeoutSeconds}s`], { timeoutMs: (timeoutSeconds + 30) * 1000 });
}

export interface PuckResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs puck without a terminal (stdout and stderr are pipes) against the test cluster. */
export function puck(args: string[], options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<PuckResult> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      process.execPath,
      [PUCK, ...args],
      {
        cwd: root,
        env: { ...process.env, KUBECONFIG: kubeconfigPath(), NO_COLOR: "", ...options.env },
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 255) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? "");
  });
}

/** puck in a pseudo-terminal: what a person sees, keys typed, resizes, and the exit code. */
export type PuckTerminal = Terminal;
export { stripAnsi };

export function puckInTerminal(args: string[], options: { env?: Record<string, string>; columns?: number; rows?: number } = {}): PuckTerminal {
  return openTerminal(process.execPath, [PUCK, ...args], {
    cwd: root,
    columns: options.columns,
    rows: options.rows,
    env: { KUBECONFIG: kubeconfigPath(), ...options.env },
  });
}

export interface PuckProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | string>;
}

/** Starts puck as a long-running process (port-forward), its output collected as it comes. */
export function spawnPuck(args: string[], options: { env?: Record<string, string> } = {}): PuckProcess {
  const child = spawn(process.execPath, [PUCK, ...args], {
    cwd: root,
    env: { ...process.env, KUBECONFIG: kubeconfigPath(), NO_COLOR: "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
  const exited = new Promise<number | string>((resolvePromise) => child.on("exit", (code, signal) => resolvePromise(code ?? signal ?? -1)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** A directory with a `puck` that runs this build: for a ProxyCommand that names `puck`, as a user's config does. */
export function puckOnPath(dir: string): string {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "puck"), `#!/bin/sh\nexec '${process.execPath}' '${PUCK}' "$@"\n`, { mode: 0o755 });
  return `${bin}:${process.env.PATH ?? ""}`;
}
