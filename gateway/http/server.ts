// The gateway's HTTP listener for Sprite URLs (PORT-NAME[--NAMESPACE].DOMAIN, docs/urls.md): reads
// the Host into a Sprite and a port, lets through whom access.ts lets through, wakes the Sprite for
// the requests that may wake it, holds API clients until the port answers and shows browsers a
// waiting page meanwhile, then proxies (http-proxy-3) over a connection to the Sprite's own
// localhost. node:http's parser (llhttp, strict) reads the client side. It knows its connections:
// drain() stops accepting and waits for the open ones.
import { createServer, STATUS_CODES, type ClientRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { ProxyServer } from "http-proxy-3";
import type { Logger } from "../../kube/logger.js";
import type { UrlScheme, UrlTarget } from "../../operator/api/http.js";
import type { SpriteRef } from "../../sprite-client/sprite-ref.js";
import { FailureCounter } from "../admission.js";
import { Connections } from "../connections.js";
import { decideAccess, type Access } from "./access.js";
import { answer, closeReason, type Answer, type AnswerCase } from "./answers.js";
import { clientAddress } from "./client-address.js";
import { findCredentials, stripCredentials, withoutCode } from "./credentials.js";
import { requestKind, wakes as mayWake, wantsPage, type RequestKind } from "./request-kind.js";
import { hostOnlyCookies } from "./set-cookie.js";
import { closeFrame, UpstreamAgent, UpstreamPool, UpstreamSocket } from "./upstream.js";
import type { UrlBackend, UrlSprite } from "./url-backend.js";
import { Wakes } from "./wakes.js";

export interface UrlServerOptions {
  backend: UrlBackend;
  /** URLs are PORT-NAME.DOMAIN. */
  domain: string;
  /** The scheme URLs are served with: https makes the session cookie Secure. */
  scheme: UrlScheme;
  /** The session cookies' HMAC key. */
  key: Buffer;
  log: Logger;
  /** Read the client's address from the last X-Forwarded-For hop (behind the install's ingress). */
  trustForwardedFor?: boolean;
  /** How long a request that wakes a Sprite is held for it and its port (default 2 minutes). */
  holdMs?: number;
  /** Failed attempts per client address (default 30 a minute). */
  limits?: { maxFailures: number; failureWindowMs: number };
  now?: () => number;
}

export interface UrlServer extends Server {
  /** Stops accepting after `handoverMs`, then resolves once the last connection ended, or after `timeoutMs` with the rest closed. */
  drain(timeoutMs: number, handoverMs?: number): Promise<{ closed: number }>;
  readonly connections: number;
}

const DEFAULT_HOLD_MS = 120_000;
/** Pause between tries of a port that refused while its service starts. */
const RETRY_MS = 500;
/** WebSocket close code "going away": the Sprite hibernated or went. */
const GOING_AWAY = 1001;

/** One request (or WebSocket upgrade) as the flow knows it. */
interface Exchange {
  req: IncomingMessage;
  kind: RequestKind;
  address: string;
  startedMs: number;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  log: Logger;
}

type Readiness = { go: true; woke: boolean } | { go: false; answer?: AnswerCase };

const hasBody = (req: IncomingMessage) =>
  req.headers["transfer-encoding"] !== undefined || (req.headers["content-length"] !== undefined && req.headers["content-length"] !== "0");

const pathOf = (url: string | undefined) => (url ?? "/").split("?", 1)[0]!.slice(0, 256);

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

/** An answer written on a raw socket (an upgrade refused before it is proxied). */
function writeRaw(socket: Duplex, a: Answer): void {
  const body = Buffer.from(a.body);
  const headers = { ...a.headers, "content-length": String(body.length), connection: "close" };
  const head = [`HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? ""}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join("\r\n");
  socket.end(Buffer.concat([Buffer.from(`${head}\r\n\r\n`), body]));
}

/** How long a client may take to end its side of an upgraded connection after ours ended. */
const CLOSE_GRACE_MS = 10_000;

export function createUrlServer(options: UrlServerOptions): UrlServer {
  const { backend, log } = options;
  const now = options.now ?? Date.now;
  const holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
  const failures = new FailureCounter(options.limits ?? { maxFailures: 30, failureWindowMs: 60_000 });
  const wakes = new Wakes((ref, progress, signal) => backend.wake(ref, progress, signal), holdMs, now);
  const connections = new Connections();
  const proxy = new ProxyServer({ ws: true, xfwd: false });
  // The socket a WebSocket runs on once upgraded: from then on its end may be the Sprite's doing.
  proxy.on("open", (socket) => {
    if (socket instanceof UpstreamSocket) socket.upgraded = true;
  });
  proxy.on("error", (error) => log.warn("Proxy failed", { error }));
  // Before the headers are copied: an app's cookies never reach its sibling Sprites' URLs.
  proxy.on("proxyRes", (proxyRes: IncomingMessage) => {
    if (proxyRes.headers["set-cookie"]) proxyRes.headers["set-cookie"] = hostOnlyCookies(proxyRes.headers["set-cookie"]);
  });
  // Each request's own request to the app: whether it went on a kept connection, and on which.
  const upstreamRequests = new WeakMap<IncomingMessage, ClientRequest>();
  proxy.on("proxyReq", (proxyReq: ClientRequest, req: IncomingMessage) => upstreamRequests.set(req, proxyReq));
  /** Kept connections per Sprite and port (upstream.ts); a forward's own lifetime, not a request's. */
  const pools = new Map<string, UpstreamPool>();
  const forever = new AbortController().signal;
  function poolFor(ref: SpriteRef, port: number): UpstreamPool {
    const key = `${ref.namespace}/${ref.name}:${port}`;
    let pool = pools.get(key);
    if (!pool) {
      // A bound on what is kept: thousands of Sprite ports are not a homelab's; start again past it.
      if (pools.size >= 256) {
        for (const p of pools.values()) p.destroy();
        pools.clear();
      }
      pool = new UpstreamPool(async () => new UpstreamSocket(await backend.connect(ref, port, forever)));
      pools.set(key, pool);
    }
    return pool;
  }

  const accessDeps = { backend, domain: options.domain, key: options.key, now };
  /** The client's view of the URL's scheme: what the ingress says, or the install's. */
  const secure = (req: IncomingMessage) => {
    const proto = String(req.headers["x-forwarded-proto"] ?? "").split(",").at(-1)?.trim();
    return options.scheme === "https" || proto === "https";
  };

  async function gate(x: Exchange): Promise<Access | { result: "limited" }> {
    if (failures.exhausted(x.address, now())) return { result: "limited" };
    const offered = findCredentials({ cookie: x.req.headers.cookie, authorization: x.req.headers.authorization }, x.req.url ?? "/");
    const access = await decideAccess(accessDeps, { host: x.req.headers.host ?? "", offered, navigate: x.kind === "navigate", secure: secure(x.req) });
    if (access.result === "refused") {
      failures.failed(x.address, now());
      x.log.info("Refused", { host: (x.req.headers.host ?? "").slice(0, 128), reason: access.reason, address: x.address });
    }
    return access;
  }

  /** What a refusal or a sign-in answers. */
  function refusal(access: Exclude<Access, { result: "pass" }> | { result: "limited" }): AnswerCase | undefined {
    switch (access.result) {
      case "limited":
        return { kind: "too-many-failures", retryAfterSeconds: 60 };
      case "refused":
        return { kind: "sign-in", target: access.target, codeRefused: access.codeRefused };
      case "not-served":
        return { kind: "not-served", target: access.target };
      case "signed-in":
        return undefined;
    }
  }

  /** Puck's credentials out, the proxy's forwarding headers in: what the app receives. */
  function prepare(x: Exchange): void {
    const req = x.req;
    const stripped = stripCredentials({ cookie: req.headers.cookie, authorization: req.headers.authorization }, req.url ?? "/");
    req.url = stripped.url;
    if (stripped.cookie === undefined) delete req.headers.cookie;
    else req.headers.cookie = stripped.cookie;
    if (stripped.authorization === undefined) delete req.headers.authorization;
    else req.headers.authorization = stripped.authorization;
    const peer = clientAddress(req.socket.remoteAddress, undefined, false);
    const before = req.headers["x-forwarded-for"];
    req.headers["x-forwarded-for"] = before ? `${String(before)}, ${peer}` : peer;
    req.headers["x-forwarded-host"] = req.headers.host ?? "";
    req.headers["x-forwarded-proto"] = secure(req) ? "https" : "http";
  }

  /** Whether to pass the request on now, after holding it for a wake, or to answer it. */
  async function readiness(x: Exchange, target: UrlTarget, ref: SpriteRef, sprite: UrlSprite): Promise<Readiness> {
    if (sprite.state === "awake") return { go: true, woke: false };
    const underWay = wakes.get(ref);
    if (!mayWake(x.kind) && sprite.state === "asleep" && !underWay) return { go: false, answer: { kind: "asleep", target } };
    const wake = wakes.start(ref);
    if (x.kind === "navigate") {
      if (wake.failure) return { go: false, answer: { kind: "cannot-start", target, reason: wake.failure } };
      if (!underWay) x.log.info("Waking", { reason: "page load" });
      return { go: false, answer: { kind: "waking", target, elapsedMs: now() - wake.startedMs, ...(wake.step ? { step: wake.step } : {}) } };
    }
    if (!underWay) x.log.info("Waking", { reason: x.kind });
    const left = x.startedMs + holdMs - now();
    const outcome = await Promise.race([
      wake.done.then(() => "ready" as const, () => "failed" as const),
      sleep(left, x.signal).then(() => (x.signal.aborted ? ("gone" as const) : ("timeout" as const))),
    ]);
    if (outcome === "ready") return { go: true, woke: true };
    if (outcome === "failed") return { go: false, answer: { kind: "cannot-start", target, reason: wake.failure ?? "it did not wake" } };
    if (outcome === "timeout") return { go: false, answer: { kind: "timed-out", target, seconds: Math.round(holdMs / 1000) } };
    return { go: false };
  }

  /** Until something accepts on the port (a service starting after the wake), within the request's bound. */
  async function untilAccepts(x: Exchange, ref: SpriteRef, port: number): Promise<boolean> {
    while (!x.signal.aborted && now() < x.startedMs + holdMs) {
      if (await backend.accepts(ref, port, x.signal).catch(() => false)) return true;
      await sleep(RETRY_MS, x.signal);
    }
    return false;
  }

  /** The upstream connection of one try: a fresh forward to the port, wrapped as a socket. */
  function upstreamAgent(ref: SpriteRef, port: number, signal: AbortSignal, made: (socket: UpstreamSocket) => void) {
    return new UpstreamAgent(async () => {
      const socket = new UpstreamSocket(await backend.connect(ref, port, signal));
      made(socket);
      return socket;
    });
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const closed = new AbortController();
    res.once("close", () => closed.abort());
    const kind = requestKind(req.headers);
    const address = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], options.trustForwardedFor ?? false);
    const x: Exchange = { req, kind, address, startedMs: now(), signal: closed.signal, log };
    const page = wantsPage(kind);
    const send = (c: AnswerCase) => {
      if (res.headersSent || res.destroyed) return;
      const a = answer(c, page);
      res.writeHead(a.status, a.headers);
      res.end(req.method === "HEAD" ? undefined : a.body);
    };
    const fields: Record<string, unknown> = { method: req.method, path: pathOf(req.url), kind, address };
    res.once("finish", () => x.log.info("Served", { ...fields, status: res.statusCode, ms: now() - x.startedMs }));

    const access = await gate(x);
    if (access.result === "signed-in") {
      fields.sprite = `${access.target.namespace}/${access.target.name}`;
      res.writeHead(303, { location: withoutCode(req.url ?? "/"), "set-cookie": access.setCookie, "cache-control": "no-store" });
      res.end();
      return;
    }
    if (access.result !== "pass") return send(refusal(access)!);
    const { target, ref, sprite } = access;
    Object.assign(fields, { sprite: `${ref.namespace}/${ref.name}`, port: target.port, how: access.how });
    x.log = log.child({ sprite: `${ref.namespace}/${ref.name}`, port: target.port });
    prepare(x);
    backend.recordRequest(ref, { port: target.port, method: (req.method ?? "GET").slice(0, 16), path: pathOf(req.url), time: new Date(now()).toISOString() });

    const ready = await readiness(x, target, ref, sprite);
    if (!ready.go) return ready.answer ? send(ready.answer) : undefined;
    const declared = sprite.servicePorts.includes(target.port);
    const recently = ready.woke || (sprite.wokeAtMs !== undefined && now() - sprite.wokeAtMs < holdMs);
    const bodiless = !hasBody(req);
    // A body cannot be sent twice: wait for the port first rather than retry.
    if (declared && recently && !bodiless && !(await untilAccepts(x, ref, target.port))) {
      return send({ kind: "timed-out", target, seconds: Math.round(holdMs / 1000) });
    }
    let retriesOnKept = 0;
    const attempt = () => {
      upstreamRequests.delete(req);
      proxy.web(req, res, { target: { host: "127.0.0.1", port: target.port }, agent: poolFor(ref, target.port) }, (error) => {
        if (res.headersSent) return void res.destroy();
        const upstreamRequest = upstreamRequests.get(req);
        // A kept connection the app (or the Sprite) closed as it was reused: nothing was answered,
        // and a request without a body is sent again, on a fresh connection if need be.
        if (upstreamRequest?.reusedSocket && bodiless && retriesOnKept < 3 && !closed.signal.aborted) {
          retriesOnKept++;
          return void attempt();
        }
        const upstream = upstreamRequest?.socket instanceof UpstreamSocket ? upstreamRequest.socket : undefined;
        const refused = backend.isRefusal(error) && !upstreamRequest?.reusedSocket && !upstream?.received;
        if (!refused) {
          x.log.warn("Upstream failed", { error });
          return send({ kind: "failed", target });
        }
        const withinBound = now() < x.startedMs + holdMs;
        // A service starting (after a wake, or restarting): its port comes. A page load gets the
        // waiting page, which reloads; a request without a body is tried again, within the bound.
        if (declared && kind === "navigate" && recently) return send({ kind: "waking", target, elapsedMs: now() - (sprite.wokeAtMs ?? x.startedMs), step: `starting the service on port ${target.port}` });
        if (declared && bodiless && kind !== "navigate" && withinBound && !closed.signal.aborted) return void setTimeout(attempt, RETRY_MS);
        send({ kind: "nothing-listens", target });
      });
    };
    attempt();
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const closed = new AbortController();
    socket.once("close", () => closed.abort());
    const kind = requestKind(req.headers);
    const address = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], options.trustForwardedFor ?? false);
    const x: Exchange = { req, kind, address, startedMs: now(), signal: closed.signal, log };
    const fields: Record<string, unknown> = { method: req.method, path: pathOf(req.url), kind, address };
    const refuse = (c: AnswerCase) => {
      log.info("Served", { ...fields, status: answer(c, false).status, ms: now() - x.startedMs });
      writeRaw(socket, answer(c, false));
    };
    if (kind !== "program-websocket" && kind !== "browser-websocket") return writeRaw(socket, { status: 400, headers: {}, body: "puck: only WebSocket upgrades are served\n" });
    const access = await gate(x);
    if (access.result !== "pass") return refuse(refusal(access) ?? { kind: "sign-in", target: undefined });
    const { target, ref, sprite } = access;
    Object.assign(fields, { sprite: `${ref.namespace}/${ref.name}`, port: target.port, how: access.how });
    x.log = log.child({ sprite: `${ref.namespace}/${ref.name}`, port: target.port });
    prepare(x);
    backend.recordRequest(ref, { port: target.port, method: "GET", path: pathOf(req.url), time: new Date(now()).toISOString() });
    const ready = await readiness(x, target, ref, sprite);
    if (!ready.go) return ready.answer ? refuse(ready.answer) : void socket.destroy();
    const declared = sprite.servicePorts.includes(target.port);
    const recently = ready.woke || (sprite.wokeAtMs !== undefined && now() - sprite.wokeAtMs < holdMs);
    // An upgrade cannot be tried twice (the proxy closes the client's socket on a failure): wait for the port first.
    if (declared && recently && !(await untilAccepts(x, ref, target.port))) return closed.signal.aborted ? undefined : refuse({ kind: "timed-out", target, seconds: Math.round(holdMs / 1000) });
    let upstream: UpstreamSocket | undefined;
    const agent = upstreamAgent(ref, target.port, closed.signal, (s) => {
      upstream = s;
      const openedMs = now();
      s.onUpstreamEnd = async () => {
        const end = await backend.explainEnd(ref, openedMs);
        if (!end) return undefined;
        x.log.info("WebSocket ended by the Sprite", { cause: end.cause });
        return closeFrame(GOING_AWAY, closeReason(end.text));
      };
    });
    log.info("Served", { ...fields, status: 101, ms: now() - x.startedMs });
    proxy.ws(req, socket, head, { target: { host: "127.0.0.1", port: target.port }, agent }, (error) => {
      if (upstream?.upgraded) return;
      const refused = backend.isRefusal(error) && !upstream?.received;
      if (!refused) x.log.warn("Upstream failed", { error });
      if (socket.writable) writeRaw(socket, answer(refused ? { kind: "nothing-listens", target } : { kind: "failed", target }, false));
    });
  }

  const server = createServer(
    {
      // Node's defaults, said: headers beyond 16 KiB get 431; the whole request head within 20 s.
      maxHeaderSize: 16 * 1024,
      headersTimeout: 20_000,
      // The whole request body within an hour: an upload may be large and slow, not endless.
      requestTimeout: 3_600_000,
      // Longer than the ingress keeps an idle connection to us (Traefik: 90 s), so it never sends a
      // request on a connection we are closing.
      keepAliveTimeout: 95_000,
      // insecureHTTPParser stays off: a request with both Content-Length and Transfer-Encoding is refused.
    },
    (req, res) => {
      serve(req, res).catch((error: unknown) => {
        log.error("Request failed", { error, path: pathOf(req.url) });
        if (!res.headersSent) {
          const a = answer({ kind: "unavailable" }, false);
          res.writeHead(a.status, a.headers);
          res.end(a.body);
        } else res.destroy();
      });
    },
  ) as UrlServer;
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => undefined);
    // Once our side has ended (a refusal, or the WebSocket over: the app or the Sprite ended it),
    // what the client still sends is read and dropped, so its end is seen and the socket closes.
    // Unread, it stayed open for ever: the proxy unpipes a finished WebSocket leaving the client's
    // socket paused, and a gateway being replaced waited its whole drain (an hour) for it.
    socket.once("finish", () => {
      socket.resume();
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    });
    upgrade(req, socket, head).catch((error: unknown) => {
      log.error("Upgrade failed", { error, path: pathOf(req.url) });
      if (socket.writable) writeRaw(socket, answer({ kind: "unavailable" }, false));
    });
  });
  server.on("connection", (socket: Duplex) => {
    const tracked = connections.add(() => socket.destroy());
    socket.once("close", () => connections.forget(tracked));
  });
  server.on("clientError", (error: Error & { code?: string }, socket: Duplex) => {
    log.info("Request refused", { reason: error.code ?? error.message });
    if (!socket.writable) return void socket.destroy();
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });
  return Object.defineProperties(server, {
    drain: {
      value: async (timeoutMs: number, handoverMs = 0) => {
        if (handoverMs > 0) await new Promise((resolve) => setTimeout(resolve, handoverMs));
        server.close();
        log.info("Stopped accepting HTTP connections", { connections: connections.size });
        // Keep-alive connections between requests go at once; those with a request under way (a
        // download, a WebSocket) when it ends.
        const idle = setInterval(() => server.closeIdleConnections(), 1000);
        server.closeIdleConnections();
        try {
          return await connections.drain(Math.max(0, timeoutMs - handoverMs));
        } finally {
          clearInterval(idle);
        }
      },
    },
    connections: { get: () => connections.size },
  });
}
