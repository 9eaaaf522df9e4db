// Reads the agent's settings from its environment: which Sprite, where its home is, how to reach the API.
import { HOME_DIR } from "../operator/api/index.js";

export interface AgentConfig {
  spriteName: string;
  namespace: string;
  podName?: string;
  homeDir: string;
  /** The whole volume, read-only, whose own use the agent measures; unset: not measured (a host run). */
  volumeDir?: string;
  /** A server named outright (a host run); in a pod, undefined: the service account's access is used. */
  api: { server?: string; tokenFile?: string; caFile?: string };
  /** See ClassifyOptions.sessionParentPid: 0 in a pod. */
  sessionParentPid: number;
  /** Skip processes in the agent's own cgroup (its container): true in a pod. */
  excludeOwnCgroup: boolean;
  procRoot: string;
  scanIntervalMs: number;
  heartbeatMs: number;
  logLevel: string;
}

/** Throws one error listing every problem, each naming the variable and what it should be. */
export function readConfig(env: Record<string, string | undefined>): AgentConfig {
  const problems: string[] = [];
  const required = (key: string) => {
    const value = env[key]?.trim();
    if (!value) problems.push(`${key} is not set: set it to the Sprite's ${key === "SPRITE_NAME" ? "name" : "namespace"}`);
    return value ?? "";
  };
  const int = (key: string, fallback: number, min: number) => {
    const raw = env[key];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) problems.push(`${key}=${JSON.stringify(raw)} is not an integer ≥ ${min}`);
    return n;
  };
  const spriteName = required("SPRITE_NAME");
  const namespace = required("SPRITE_NAMESPACE");

  // In a pod: the service account (kube/in-cluster.ts). On a host: PUCK_API_URL (e.g. behind
  // `kubectl proxy`, which authenticates for us) and optionally PUCK_API_TOKEN_FILE and PUCK_API_CA_FILE.
  let api: AgentConfig["api"] = {};
  if (env.PUCK_API_URL) {
    if (!/^https?:\/\//.test(env.PUCK_API_URL)) problems.push(`PUCK_API_URL=${JSON.stringify(env.PUCK_API_URL)} must start with http:// or https://`);
    api = { server: env.PUCK_API_URL, ...(env.PUCK_API_TOKEN_FILE ? { tokenFile: env.PUCK_API_TOKEN_FILE } : {}), ...(env.PUCK_API_CA_FILE ? { caFile: env.PUCK_API_CA_FILE } : {}) };
  } else if (!env.KUBERNETES_SERVICE_HOST) {
    problems.push("no API server: run in a pod (KUBERNETES_SERVICE_HOST) or set PUCK_API_URL, e.g. http://127.0.0.1:8001 behind `kubectl proxy`");
  }
  const config: AgentConfig = {
    spriteName,
    namespace,
    ...(env.POD_NAME ? { podName: env.POD_NAME } : {}),
    ...(env.PUCK_VOLUME_DIR ? { volumeDir: env.PUCK_VOLUME_DIR } : {}),
    homeDir: env.PUCK_HOME_DIR || HOME_DIR,
    api,
    sessionParentPid: int("PUCK_SESSION_PARENT_PID", 0, 0),
    excludeOwnCgroup: (env.PUCK_EXCLUDE_OWN_CGROUP ?? "true") !== "false",
    procRoot: env.PUCK_PROC_ROOT || "/proc",
    scanIntervalMs: int("PUCK_SCAN_INTERVAL_MS", 1000, 100),
    heartbeatMs: int("PUCK_HEARTBEAT_MS", 60_000, 1000),
    logLevel: env.PUCK_LOG_LEVEL || "info",
  };
  if (!["debug", "info", "warn", "error"].includes(config.logLevel)) problems.push(`PUCK_LOG_LEVEL=${JSON.stringify(config.logLevel)} must be debug, info, warn or error`);
  if (problems.length > 0) throw new Error(`invalid agent configuration: ${problems.join("; ")}`);
  return config;
}
