// Runs a command in a Sprite's pod over the exec WebSocket (client-node), with a real terminal when
// asked: raw mode, resizes, and the terminal restored on every way out, signals included.
import type { Readable, Writable } from "node:stream";
import { EXIT, PuckError } from "./errors.js";
import { outcomeOf, type ExecStatus } from "./exec-status.js";
import type { Io } from "./io.js";
import type { ClusterAccess } from "../kube/access.js";
import type { KubeClient } from "../kube/client.js";
import type { Credentials } from "../kube/credentials.js";
import { loadExecLibrary } from "./lazy-deps.js";

export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  tty: boolean;
  stdin: boolean;
}


/**
 * The two methods of client-node's KubeConfig that its WebSocketHandler calls, answered from puck's
 * own kubeconfig reading: loading KubeConfig itself costs a quarter of a second.
 */
function socketConfig(access: ClusterAccess, creds: Credentials) {
  return {
    getCurrentCluster: () => ({ name: "puck", server: access.server, skipTLSVerify: access.insecure }),
    applyToHTTPSOptions: async (opts: Record<string, unknown>) => {
      if (access.ca) opts.ca = access.ca;
      if (creds.cert) opts.cert = creds.cert;
      if (creds.key) opts.key = creds.key;
      if (access.insecure) opts.rejectUnauthorized = false;
      if (access.tlsServerName) opts.servername = access.tlsServerName;
      const headers = (opts.headers ?? {}) as Record<string, string>;
      if (creds.token) headers.Authorization = `Bearer ${creds.token}`;
      else if (access.username !== undefined && access.password !== undefined) opts.auth = `${access.username}:${access.password}`;
      opts.headers = headers;
    },
  } as never;
}

const SIGNAL_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

export async function execInPod(client: KubeClient, request: ExecRequest, io: Io): Promise<number> {
  const [{ Exec }, { WebSocketHandler }] = await loadExecLibrary();
  const kc = socketConfig(client.access, await client.credentials());
  const stdout = io.stdout as unknown as Writable;
  const stderr = io.stderr as unknown as Writable;
  const stdin = request.stdin ? (io.stdin as unknown as Readable) : null;
  // The handler would end() these on a v5 close frame; the process's own streams must stay open.
  const inert = { end: () => undefined, pause: () => undefined };
  const handler = new WebSocketHandler(kc, undefined, { stdin: stdin ?? inert, stdout: inert, stderr: inert } as never);
  const exec = new Exec(kc, handler);

  const terminal = request.tty && io.stdin.isTTY === true && typeof io.stdin.setRawMode === "function";
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    if (terminal) io.stdin.setRawMode?.(false);
    io.stdin.pause();
  };
  process.once("exit", restore);

  let status: ExecStatus | undefined;
  return new Promise<number>((resolve, reject) => {
    const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
    const onSignal = (signal: NodeJS.Signals) => {
      cleanup();
      resolve(SIGNAL_CODES[signal] ?? 1);
    };
    let socket: { close(): void } | undefined;
    const cleanup = () => {
      for (const s of signals) process.off(s, onSignal);
      process.off("exit", restore);
      restore();
      socket?.close();
    };
    for (const s of signals) process.on(s, onSignal);
    if (terminal) io.stdin.setRawMode?.(true);
    exec
      .exec(
        request.namespace,
        request.pod,
        request.container,
        request.command,
        stdout,
        request.tty ? null : stderr,
        stdin,
        request.tty,
        (s) => {
          status = s as ExecStatus;
        },
      )
      .then((ws) => {
        socket = ws;
        ws.on("close", () => {
          cleanup();
          if (!status) {
            reject(
              new PuckError(
                `the connection to ${request.pod} closed without an exit status`,
                "the Sprite may have hibernated or its pod restarted; check with `puck describe`",
                EXIT.lostConnection,
              ),
            );
            return;
          }
          const outcome = outcomeOf(status);
          if ("error" in outcome) {
            const hint = outcome.code === 127 ? "check the command's name; it runs in the Sprite's PATH" : undefined;
            reject(new PuckError(`command failed in ${request.pod}: ${outcome.error}`, hint, outcome.code));
          }
          else resolve(outcome.code);
        });
        ws.on("error", (error: Error) => {
          cleanup();
          reject(new PuckError(`the connection to ${request.pod} failed: ${error.message}`, "check the network to the cluster and retry", EXIT.lostConnection));
        });
      })
      .catch((error: unknown) => {
        cleanup();
        reject(execOpenError(error, request));
      });
  });
}

/** A failed WebSocket upgrade says only "Unexpected server response: 403": give it a cause and a fix. */
function execOpenError(error: unknown, request: ExecRequest): unknown {
  const text = error instanceof Error ? error.message : String((error as { message?: unknown })?.message ?? error);
  const code = /Unexpected server response: (\d+)/.exec(text)?.[1];
  if (code === "403")
    return new PuckError(
      `not allowed to exec into pods in namespace ${request.namespace}`,
      `ask a cluster admin for "create" on pods/exec (check with \`kubectl auth can-i create pods/exec -n ${request.namespace}\`)`,
    );
  if (code === "404") return new PuckError(`pod ${request.pod} is gone`, "the Sprite may have hibernated meanwhile; run the command again");
  if (code === "401") return new PuckError("the cluster rejected your credentials (401 Unauthorized)", "refresh the credentials in your kubeconfig");
  if (code) return new PuckError(`could not open a session in ${request.pod}: HTTP ${code}`, "retry; see `puck describe` for the Sprite's state");
  return new PuckError(`could not open a session in ${request.pod}: ${text}`, "check that the cluster is reachable (`kubectl cluster-info`)", EXIT.lostConnection);
}
