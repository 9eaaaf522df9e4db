// Where the API server is and who we are to it: the shape every program's client is made from.
import { readFileSync } from "node:fs";

export interface ExecPlugin {
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  apiVersion: string;
  /** Where the kubeconfig that named it lives: a relative command resolves from there, as kubectl's does. */
  baseDir?: string;
}

/** Everything needed to talk to one cluster as one user. Certificates are read into memory. */
export interface ClusterAccess {
  /** e.g. https://10.43.0.1:443, or http://127.0.0.1:8001 behind `kubectl proxy`. No trailing slash. */
  server: string;
  namespace: string;
  /** The kubeconfig context it came from; undefined in-cluster. */
  context?: string;
  ca?: string;
  insecure: boolean;
  tlsServerName?: string;
  cert?: string;
  key?: string;
  token?: string;
  /** Re-read whenever it changes: projected service-account tokens rotate. */
  tokenFile?: string;
  username?: string;
  password?: string;
  exec?: ExecPlugin;
}

/**
 * Access could not be worked out (no kubeconfig, unknown context, unreadable file): one line of
 * cause and one of fix. `usage` marks a problem in what the user asked for (exit code 2 in the CLI).
 */
export class AccessError extends Error {
  override readonly name = "AccessError";
  constructor(
    message: string,
    readonly hint: string,
    readonly usage = false,
  ) {
    super(message);
  }
}

/**
 * Access to a server named outright, e.g. `kubectl proxy` on a host (which authenticates for us), or
 * an API server with a CA and a token file of our own.
 */
export function serverAccess(target: { server: string; tokenFile?: string; caFile?: string }, namespace = "default"): ClusterAccess {
  let ca: string | undefined;
  if (target.caFile) {
    try {
      ca = readFileSync(target.caFile, "utf8");
    } catch (error) {
      throw new AccessError(`cannot read the API server's CA ${target.caFile}: ${(error as Error).message}`, "point the CA file at a readable PEM file");
    }
  }
  return {
    server: target.server.replace(/\/+$/, ""),
    namespace,
    insecure: false,
    ...(ca ? { ca } : {}),
    ...(target.tokenFile ? { tokenFile: target.tokenFile } : {}),
  };
}
