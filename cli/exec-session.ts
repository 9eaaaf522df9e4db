// Runs a command in a Sprite's pod over the exec WebSocket (client-node), with a real terminal when
// asked: raw mode, resizes, and the terminal restored on every way out, signals included.
import type { Readable, Writable } from "node:stream";
import { EXIT, PuckError } from "./errors.js";
import { neverStarted, outcomeOf, type ExecStatus } from "../kube/exec-status.js";
import { socketConfig } from "../kube/exec-socket.js";
import type { Io } from "./io.js";
import type { KubeClient } from "../kube/client.js";
import { loadExecLibrary } from "./lazy-deps.js";
import { openTerminalSession, SESSION_SIGNALS } from "./terminal-session.js";

export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  tty: boolean;
  stdin: boolean;
}

/**
 * Runs the command and resolves with its exit code, or "lost" when the connection closed before the
 * command's status came (the caller finds out why: see sprite-client/session-end.ts).
 */
export async function execInPod(client: KubeClient, request: ExecRequest, io: Io): Promise<number | "lost"> {
  const [{ Exec }, { WebSocketHandler }] = await loadExecLibrary();
  const kc = socketConfig(client);
  const stdout = io.stdout as unknown as Writable;
  const stderr = io.stderr as unknown as Writable;
  const stdin = request.stdin ? (io.stdin as unknown as Readable) : null;
  // The handler would end() these on a v5 close frame; the process's own streams must stay open.
  const inert = { end: () => undefined, pause: () => undefined };
  const handler = new WebSocketHandler(kc, undefined, { stdin: stdin ?? inert, stdout: inert, stderr: inert } as never);
  const exec = new Exec(kc, handler);

  let status: ExecStatus | undefined;
  let inputSent = false;
  const noteInput = () => {
    inputSent = true;
  };
  return new Promise<number | "lost">((resolve, reject) => {
    let socket: { close(): void } | undefined;
    // Resizes reach the remote terminal through client-node, which listens to stdout itself.
    const session = openTerminalSession(io, {
      raw: request.tty,
      onSignal: (signal) => {
        cleanup();
        resolve(SESSION_SIGNALS[signal]);
      },
    });
    const cleanup = () => {
      session.end();
      socket?.close();
    };
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
        // Whether any input went out: the handler reads stdin from the socket's opening on, and no
        // data event can come between that and this callback.
        stdin?.once("data", noteInput);
        ws.on("close", () => {
          stdin?.off("data", noteInput);
          cleanup();
          // No status: the connection closed under the command (its pod stopped, the network went).
          if (!status) {
            resolve("lost");
            return;
          }
          const outcome = outcomeOf(status);
          // The kubelet refused to start the command (the pod or container not running there yet, as
          // after its node came back): nothing ran, so the caller may wait and try again — unless
          // input was already sent, which a second try would not see again.
          if ("error" in outcome && neverStarted(outcome) && !inputSent) {
            reject(new SessionNotStarted(`could not open a session in ${request.pod}: ${outcome.error}`, "run the command again (`puck describe` shows the Sprite's state)"));
          } else if ("error" in outcome) {
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

/** The kubelet did not start the command (nothing ran): trying again is safe. */
export class SessionNotStarted extends PuckError {
  override retryable = true;
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
  if (code === "401") return new PuckError("the cluster rejected your credentials (401 Unauthorized)", "refresh the credentials in your kubeconfig");
  // The pod gone, or its container not (yet, or no longer) known to the kubelet: the caller may look
  // at the Sprite again and retry.
  if (code === "404" || (code && code.startsWith("5"))) {
    const failure = new PuckError(
      code === "404" ? `pod ${request.pod} is gone` : `could not open a session in ${request.pod}: HTTP ${code}`,
      "the Sprite may have hibernated or restarted meanwhile; run the command again (`puck describe` shows its state)",
    );
    failure.retryable = true;
    return failure;
  }
  if (code) return new PuckError(`could not open a session in ${request.pod}: HTTP ${code}`, "retry; see `puck describe` for the Sprite's state");
  return new PuckError(`could not open a session in ${request.pod}: ${text}`, "check that the cluster is reachable (`kubectl cluster-info`)", EXIT.lostConnection);
}
