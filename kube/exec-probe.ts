// Whether a container can take a command right now, learnt by running `true` in it: how a wake knows
// the main container runs before any status says so. client-node's exec parts are passed in, so the
// CLI can keep loading them lazily and the gateway can bundle them.
import type * as ExecTypes from "@kubernetes/client-node/dist/exec.js";
import type * as HandlerTypes from "@kubernetes/client-node/dist/web-socket-handler.js";
import type { KubeClient } from "./client.js";
import { socketConfig } from "./exec-socket.js";
import type { ExecStatus } from "./exec-status.js";

export type ExecLibrary = [Pick<typeof ExecTypes, "Exec">, Pick<typeof HandlerTypes, "WebSocketHandler">];

/**
 * Runs `true` in the container, without stdin, and says whether it ran. Every failure (pod not
 * there, container not started, no permission) is a plain false.
 */
export async function probeExec(library: ExecLibrary, client: KubeClient, target: { namespace: string; pod: string; container: string }): Promise<boolean> {
  const [{ Exec }, { WebSocketHandler }] = library;
  const kc = socketConfig(client);
  // The API server wants at least one stream: stdout, whose output (none) goes nowhere.
  const inert = { end: () => undefined, pause: () => undefined, write: () => true };
  const exec = new Exec(kc, new WebSocketHandler(kc, undefined, { stdin: inert, stdout: inert, stderr: inert } as never));
  let ran = false;
  try {
    const socket = await exec.exec(target.namespace, target.pod, target.container, ["true"], inert as never, null, null, false, (status) => {
      ran = (status as ExecStatus).status === "Success";
    });
    await new Promise<void>((resolve) => {
      socket.on("close", () => resolve());
      socket.on("error", () => resolve());
    });
  } catch {
    return false;
  }
  return ran;
}
