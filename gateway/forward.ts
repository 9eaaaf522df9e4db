// `ssh -L` and `ssh -D` through the gateway: a direct-tcpip channel to a port on the Sprite's own
// localhost, woken first, carried by the backend until either side ends. Anywhere else is refused.
import type { AcceptConnection, RejectConnection, ServerChannel, TcpipRequestInfo } from "ssh2";
import type { Logger } from "../kube/logger.js";
import type { Authenticated } from "./authenticator.js";
import type { SpriteBackend } from "./backend.js";

/** Only ports on the Sprite's own localhost are reachable through `ssh -L` and `ssh -D`. */
const LOCAL_DESTINATIONS = new Set(["localhost", "127.0.0.1", "::1", "0:0:0:0:0:0:0:1"]);

export interface ForwardDeps {
  backend: SpriteBackend;
  who: Authenticated;
  /** Wakes the Sprite once per connection; every channel waits on the same wake. */
  wake: (progress: (step: string) => void) => Promise<void>;
  /** Aborted when the connection closes. */
  signal: AbortSignal;
  log: Logger;
}

/** Whether a forward to this destination may open for this key. */
export const forwardAllowed = (who: Authenticated, destination: { destIP: string; destPort: number }): boolean =>
  who.key.restrictions.portForwarding && LOCAL_DESTINATIONS.has(destination.destIP) && destination.destPort >= 1 && destination.destPort <= 65535;

export function handleForward(accept: AcceptConnection<ServerChannel>, reject: RejectConnection, info: TcpipRequestInfo, deps: ForwardDeps): void {
  if (!forwardAllowed(deps.who, info)) {
    deps.log.info("Forward refused", { destination: `${info.destIP}:${info.destPort}` });
    return reject();
  }
  const stream = accept();
  deps.log.debug("Forward opened", { port: info.destPort });
  deps.wake(() => undefined)
    .then(() => deps.backend.forward(deps.who.sprite, info.destPort, stream, deps.signal))
    .then(
      () => deps.log.debug("Forward closed", { port: info.destPort }),
      (error: unknown) => {
        // The client's own end going away is not the gateway's failure.
        if (deps.signal.aborted) return;
        deps.log.warn("Forward failed", { port: info.destPort, error });
        stream.destroy();
      },
    );
}
