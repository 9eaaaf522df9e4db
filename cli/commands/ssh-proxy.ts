// `puck ssh-proxy`: an OpenSSH ProxyCommand that carries the SSH connection to the gateway through
// the API server's port-forward, for a machine with a kubeconfig but no route to the LoadBalancer.
// stdin and stdout are the SSH connection: they carry its bytes and nothing else.
import { Duplex } from "node:stream";
import { PortForwardRefused, splice } from "../../kube/port-forward.js";
import { PuckError } from "../errors.js";
import { openGatewayStream } from "../gateway.js";
import type { Io } from "../io.js";
import { openTarget, type TargetOptions } from "../target.js";

export async function sshProxy(_args: string[], options: TargetOptions, io: Io): Promise<number> {
  const target = await openTarget(options, io);
  const remote = await openGatewayStream(target);
  const local = Duplex.from({ readable: io.stdin, writable: io.stdout as unknown as NodeJS.WritableStream });
  try {
    await splice(local, remote);
  } catch (error) {
    if (error instanceof PortForwardRefused) throw new PuckError(`the gateway's SSH port did not answer: ${error.message}`, "see `kubectl -n puck-system logs deploy/puck-gateway`");
    throw error;
  }
  return 0;
}
