// The gateway's SSH server: admits connections within limits, authenticates them against the
// Sprite named by the user name, then serves session channels and forwards to the Sprite's own
// ports. Each stage has a deadline; one connection's failure never touches another. It knows its
// connections: drain() stops accepting, tells every terminal, and waits for the last to end.
import ssh2 from "ssh2";
import { createServer as createNetServer, type Server as NetServer } from "node:net";
import type { Connection } from "ssh2";
import type { Logger } from "../kube/logger.js";
import { Admission, DEFAULT_ADMISSION_LIMITS, type AdmissionLimits } from "./admission.js";
import { GATEWAY_ALGORITHMS } from "./algorithms.js";
import { decideAttempt, KeyLookup, type Authenticated } from "./authenticator.js";
import type { SpriteBackend } from "./backend.js";
import { Connections, DRAIN_NOTICE } from "./connections.js";
import { coalesceWrites } from "./flow.js";
import { handleForward } from "./forward.js";
import { handleSession } from "./session.js";
import { keyedCiphers } from "./ssh2-cipher-keys.js";
import { hybridKexFor, installHybridKex } from "./ssh2-hybrid-kex.js";

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
  /**
   * After authentication, how often a silent client is asked whether it is still there; after
   * three unanswered asks the connection closes (a client gone without a FIN: a laptop's Wi-Fi, a
   * NAT that dropped the entry). OpenSSH's clients answer; a live connection is never closed.
   */
  keepaliveMs?: number;
  log: Logger;
  now?: () => number;
}

export interface GatewayServer extends NetServer {
  /**
   * Tells every session with a terminal that the gateway is being replaced, stops accepting after
   * `handoverMs`, and resolves once the last connection ended, or after `timeoutMs` (counted from
   * the call) with the rest closed.
   */
  drain(timeoutMs: number, handoverMs?: number): Promise<{ closed: number }>;
  /** Connections open now, authenticated or not. */
  readonly connections: number;
}

const KEEPALIVE_COUNT_MAX = 3;

export function createGatewayServer(options: GatewayOptions): GatewayServer {
  keyedCiphers();
  installHybridKex();
  const admission = new Admission(options.limits ?? DEFAULT_ADMISSION_LIMITS);
  const now = options.now ?? Date.now;
  const connections = new Connections();
  // ssh2 announces a connection only once the client's version line arrived: the gateway owns the
  // TCP sockets, so that admission and the deadline also cover clients that never send one.
  const accepted = new Map<string, Admitted>();
  const ssh = new Server({
    hostKeys: [options.hostKey],
    algorithms: GATEWAY_ALGORITHMS,
    ident: "Puck",
    keepaliveInterval: options.keepaliveMs ?? 15_000,
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
  }, (client, info) => {
    const admitted = accepted.get(`${info.ip}|${info.port}`);
    if (!admitted) return client.end();
    hybridKexFor(client);
    serveConnection(client, admitted, { ...options, connections });
  });
  ssh.on("error", (error: Error) => options.log.error("SSH server failed", { error }));
  const server = createNetServer((socket) => {
    const address = socket.remoteAddress ?? "unknown";
    if (!admission.admit(address, now())) {
      options.log.warn("Connection refused", { address, reason: "too many unauthenticated connections or failed attempts" });
      socket.destroy();
      return;
    }
    const tracked = connections.add(() => socket.destroy());
    const log = options.log.child({ connection: tracked.id });
    const admitted: Admitted = { authenticated: false, attempts: 0, log };
    const key = `${address}|${socket.remotePort}`;
    accepted.set(key, admitted);
    log.debug("Connection accepted", { address });
    const deadline = setTimeout(() => {
      log.info("Connection closed", { address, reason: "not authenticated in time" });
      admitted.attempts++;
      socket.destroy();
    }, options.authTimeoutMs ?? 30_000);
    admitted.onAuthenticated = () => {
      clearTimeout(deadline);
      accepted.delete(key);
      admission.settled();
    };
    socket.once("close", () => {
      clearTimeout(deadline);
      accepted.delete(key);
      connections.forget(tracked);
      if (admitted.authenticated) return admitted.log.info("Connection ended");
      admission.settled();
      if (admitted.attempts > 0) admission.failed(address, now());
    });
    admitted.close = () => socket.destroy();
    socket.on("error", () => undefined);
    // Small packets go out at once: keystrokes, and sftp's replies, which its client waits on before
    // it sends more (Nagle's algorithm would hold each behind the client's delayed acknowledgement).
    socket.setNoDelay(true);
    coalesceWrites(socket);
    ssh.injectSocket(socket);
  });
  return Object.defineProperties(server as GatewayServer, {
    drain: {
      value: async (timeoutMs: number, handoverMs = 0) => {
        connections.announce(DRAIN_NOTICE);
        // Until the cluster stops sending new connections here (a terminating pod leaves the
        // Service's endpoints at once, but each node's proxy follows at its next sync), those that
        // still come are served, and drained like the rest, rather than refused.
        if (handoverMs > 0) await new Promise((resolve) => setTimeout(resolve, handoverMs));
        server.close();
        options.log.info("Stopped accepting connections", { connections: connections.size });
        return connections.drain(Math.max(0, timeoutMs - handoverMs));
      },
    },
    connections: { get: () => connections.size },
  });
}

/** What the gateway knows of one TCP connection before and while it authenticates. */
interface Admitted {
  authenticated: boolean;
  /** Authentication attempts (and a missed deadline): a connection that ends unauthenticated after any counts as failed. */
  attempts: number;
  /** Its lines carry its id, and the Sprite's name once authenticated. */
  log: Logger;
  onAuthenticated?: () => void;
  /** Ends its TCP connection at once. */
  close?: () => void;
}

function serveConnection(client: Connection, admitted: Admitted, deps: GatewayOptions & { connections: Connections }): void {
  const lookup = new KeyLookup(deps.backend);
  const closed = new AbortController();
  let who: Authenticated | undefined;
  let log = admitted.log;

  client.on("authentication", (ctx) => {
    admitted.attempts++;
    decideAttempt(ctx, lookup, deps.defaultNamespace ?? "default").then(
      (outcome) => {
        if (outcome.result === "accepted") {
          who = outcome.who;
          log = admitted.log = admitted.log.child({ sprite: `${who.sprite.namespace}/${who.sprite.name}` });
          log.info("Authenticated", { key: who.key.fingerprint });
          ctx.accept();
        } else if (outcome.result === "key-ok") ctx.accept();
        else {
          log.info("Authentication refused", { user: ctx.username.slice(0, 64), method: ctx.method, reason: outcome.reason, ...(outcome.fingerprint ? { key: outcome.fingerprint } : {}) });
          ctx.reject(["publickey"]);
        }
      },
      (error: unknown) => {
        // The cluster did not answer: refuse this attempt the same way, and say why in the log.
        log.error("Authentication refused", { user: ctx.username.slice(0, 64), reason: "key lookup failed", error });
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
    client.on("session", (accept) => {
      handleSession(accept(), { backend: deps.backend, who: who!, wake: wakeOnce, signal: closed.signal, log, addTerminal: (tell) => deps.connections.addTerminal(tell) });
    });
    client.on("tcpip", (accept, reject, info) => handleForward(accept, reject, info, { backend: deps.backend, who: who!, wake: wakeOnce, signal: closed.signal, log }));
    // Remote forwards (ssh -R) and other global requests are not offered.
    client.on("request", (_accept, reject) => reject?.());
  });

  client.on("handshake", (negotiated) => log.debug("Keys exchanged", { kex: negotiated.kex, cipher: negotiated.cs.cipher }));
  client.on("error", (error: Error & { level?: string }) => {
    if (error.level === "client-timeout") {
      // ssh2 ends the connection politely, which a vanished client never acknowledges.
      log.info("Connection closed", { reason: "the client stopped answering keep-alives" });
      admitted.close?.();
      return;
    }
    // A client that broke off or spoke nonsense: its problem, not the gateway's.
    log.info("Connection failed", { error: error.message });
  });
  client.on("close", () => closed.abort());
}
