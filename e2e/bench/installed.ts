// For benchmarks of Puck as a user installs it: the in-cluster operator from `kubectl apply -k deploy`,
// up only while the benchmark runs (it watches every namespace of a cluster others share), and the
// statistics every benchmark prints.
import { kubectl } from "../lib/cluster.js";

/**
 * Installs Puck as README says and restarts the operator onto the images just built. On a shared
 * cluster run the whole benchmark under `flock /tmp/puck-install.lock`: one in-cluster operator at a time.
 */
export async function installPuck(): Promise<void> {
  await kubectl(["apply", "--server-side", "--force-conflicts", "-k", "deploy"]);
  await kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd/sprites.puck.sandwich.labs"]);
  await kubectl(["-n", "puck-system", "scale", "deployment/puck-operator", "--replicas=1"]);
  await kubectl(["-n", "puck-system", "rollout", "restart", "deployment/puck-operator"]);
  await kubectl(["-n", "puck-system", "rollout", "status", "deployment/puck-operator", "--timeout=180s"], { timeoutMs: 200_000 });
}

/** Scales the in-cluster operator to zero, keeping the CRD (other tests' Sprites depend on it). */
export async function stopInstalledOperator(): Promise<void> {
  await kubectl(["-n", "puck-system", "scale", "deployment/puck-operator", "--replicas=0"]);
}

export const now = () => Number(process.hrtime.bigint() / 1_000_000n);

/** The value below which `fraction` of the samples lie (nearest rank). */
export function percentile(xs: number[], fraction: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

export const median = (xs: number[]) => percentile(xs, 0.5);

/**
 * A random pause, so that successive runs do not line up with periodic work in the cluster (the
 * kubelet relists its containers every second; a fixed rhythm would always hit the same phase).
 */
export const randomPause = (maxMs: number) => new Promise((r) => setTimeout(r, Math.random() * maxMs));

export function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not ${process.argv[i + 1]}`);
  return value;
}

export function summary(label: string, xs: number[]): string {
  return `${label.padEnd(52)} median ${String(median(xs)).padStart(5)} ms  p90 ${String(percentile(xs, 0.9)).padStart(5)} ms  min ${String(Math.min(...xs)).padStart(5)} ms`;
}
