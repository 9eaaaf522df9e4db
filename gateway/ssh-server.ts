// The gateway's SSH server: admits connections within limits, authenticates them against the
// Sprite named by the user name, then serves session channels and forwards to the Sprite's own
// ports. Each stage has a deadline; one connection's failure never touches another.
import ssh2 from "ssh2";
import { createServer as createNetServer, type Server as NetServer } from "node:net";
import type { Connection } from "ssh2";
import { Admission, DEFAULT_ADMISSION_LIMITS, type AdmissionLimits } from "./admission.js";
import { GATEWAY_ALGORITHMS } from "./algorithms.js";
import { decideAttempt, KeyLookup, type Authenticated } from "./authenticator.js";
import type { SpriteBackend } from "./backend.js";
import { coalesceWrites } from "./flow.js";
import { handleSession } from "./session.js";
import { keyedCiphers } from "./ssh2-cipher-keys.js";

const { Server } = ssh2;

export interface GatewayOptions {
  /** The host key, an OpenSSH or PEM private key. */
  hostKey: string | Buffer;
  backend: SpriteBackend;
  /** The namespace of a user name without one (`dev` → Sprite dev in it). */
  defaultNamespace?: string;
  limits?: AdmissionLimits;
  /** From TCP accept to authenticated: the handshake and every attempt must fit. */
  authTimeoutMs?: number;
  log: (event: string, fields?: Record<string, unknown>) => void;
  now?: () => number;
}

/** Only ports on the Sprite's own localhost are reachable through `ssh -L` and `ssh -D`. */
const LOCAL_DESTINATIONS = new Set(["localhost", "127.0.0.1", "::1", "0:0:0:0:0:0:0:1"]);

export function createGatewayServer(options: GatewayOptions): NetServer {
  keyedCiphers();
  const admission = new Admission(options.limits ?? DEFAULT_ADMISSION_LIMITS);
  const now = options.now ?? Date.now;
  // ssh2 announces a connection only once the client's version line arrived: the gateway owns the
  // TCP sockets, so that admission and the deadline also cover clients that never send one.
  const accepted = new Map<string, Admitted>();
  const ssh = new Server({ hostKeys: [options.hostKey], algorithms: GATEWAY_ALGORITHMS, ident: "Puck" }, (client, info) => {
    const admitted = accepted.get(`${info.ip}|${info.port}`);
    if (!admitted) return client.end();
    const log = (event: string, fields: Record<string, unknown> = {}) => options.log(event, { address: info.ip, ...fields });
    serveConnection(client, admitted, { ...options, log });
  });
  ssh.on("error", (error: Error) => options.log("Gateway error", { error: error.message }));
  return createNetServer((socket) => {
    const address = socket.remoteAddress ?? "unknown";
    if (!admission.admit(address, now())) {
      options.log("Connection refused", { address, reason: "too many unauthenticated connections or failed attempts" });
      socket.destroy();
      return;
    }
    const id = `${address}|${socket.remotePort}`;
    const admitted: Admitted = { authenticated: false, attempts: 0 };
    accepted.set(id, admitted);
    const deadline = setTimeout(() => {
      options.log("Connection closed", { address, reason: "not authenticated in time" });
      admitted.attempts++;
      socket.destroy();
    }, options.authTimeoutMs ?? 30_000);
    admitted.onAuthenticated = () => {
      clearTimeout(deadline);
      accepted.delete(id);
      admission.settled();
    };
    socket.once("close", () => {
      clearTimeout(deadline);
      accepted.delete(id);
      if (admitted.authenticated) return;
      admission.settled();
      if (admitted.attempts > 0) admission.failed(address, now());
    });
    socket.on("error", () => undefined);
    // Small packets go out at once: keystrokes, and sftp's replies, which its client waits on before
    // it sends more (Nagle's algorithm would hold each behind the client's delayed acknowledgement).
    socket.setNoDelay(true);
    coalesceWrites(socket);
    ssh.injectSocket(socket);
  });
}

/** What the gateway knows of one TCP connection before and while it authenticates. */
interface Admitted {
  authenticated: boolean;
  /** Authentication attempts (and a missed deadline): a connection that ends unauthenticated after any counts as failed. */
  attempts: number;
  onAuthenticated?: () => void;
}

function serveConnection(client: Connection, admitted: Admitted, deps: GatewayOptions): void {
  const lookup = new KeyLookup(deps.backend);
  const closed = new AbortController();
  let who: Authenticated | undefined;

  client.on("authentication", (ctx) => {
    admitted.attempts++;
    decideAttempt(ctx, lookup, deps.defaultNamespace ?? "default").then(
      (outcome) => {
        if (outcome.result === "accepted") {
          who = outcome.who;
          deps.log("Authenticated", { sprite: `${who.sprite.namespace}/${who.sprite.name}`, key: who.key.fingerprint });
          ctx.accept();
        } else if (outcome.result === "key-ok") ctx.accept();
        else {
          deps.log("Authentication refused", { user: ctx.username.slice(0, 64), method: ctx.method, reason: outcome.reason, ...(outcome.fingerprint ? { key: outcome.fingerprint } : {}) });
          ctx.reject(["publickey"]);
        }
      },
      (error: unknown) => {
        // The cluster did not answer: refuse this attempt the same way, and say why in the log.
        deps.log("Authentication refused", { user: ctx.username.slice(0, 64), reason: `key lookup failed: ${(error as Error).message}` });
        ctx.reject(["publickey"]);
      },
    );
  });

  let wake: Promise<void> | undefined;
  const wakeOnce = (progress: (step: string) => void) => {
    wake ??= deps.backend.wake(who!.sprite, progress, closed.signal);
    return wake;
  };

  client.on("ready", () => {
    admitted.authenticated = true;
    admitted.onAuthenticated?.();
    const sessionLog = (event: string, fields: Record<string, unknown> = {}) =>
      deps.log(event, { sprite: `${who!.sprite.namespace}/${who!.sprite.name}`, ...fields });
    client.on("session", (accept) => {
      handleSession(accept(), { backend: deps.backend, who: who!, wake: wakeOnce, signal: closed.signal, log: sessionLog });
    });
    client.on("tcpip", (accept, reject, info) => {
      if (!who!.key.restrictions.portForwarding || !LOCAL_DESTINATIONS.has(info.destIP) || info.destPort < 1 || info.destPort > 65535) {
        sessionLog("Forward refused", { destination: `${info.destIP}:${info.destPort}` });
        return reject();
      }
      const stream = accept();
      wakeOnce(() => undefined)
        .then(() => deps.backend.forward(who!.sprite, info.destPort, stream, closed.signal))
        .catch((error: unknown) => {
          sessionLog("Forward failed", { port: info.destPort, error: (error as Error).message });
          stream.destroy();
        });
    });
    // Remote forwards (ssh -R) and other global requests are not offered.
    client.on("request", (_accept, reject) => reject?.());
  });

  client.on("error", (error) => deps.log("Connection error", { error: error.message }));
  client.on("close", () => closed.abort());
}
