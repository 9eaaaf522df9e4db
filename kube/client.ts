// The one Kubernetes REST client: JSON requests and watch streams over node:https with keep-alive,
// a deadline on every request, a silence timeout on every watch (bookmarks are its heartbeat), and
// one error type (KubeError).
import type { Agent as HttpAgent, IncomingMessage } from "node:http";
import type { ClusterAccess } from "./access.js";
import { credentialSource, type Credentials } from "./credentials.js";
import { httpError, isStatus, KubeError, LOCAL_REASON, localError } from "./errors.js";
import { JsonLines } from "./json-lines.js";
import { queryText, resourceOfPath, type Query } from "./paths.js";
import { watchSilenceMs } from "./watch-silence.js";

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  deletionTimestamp?: string;
  finalizers?: string[];
  creationTimestamp?: string;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface KubeList<T = KubeObject> {
  metadata: { resourceVersion: string; continue?: string };
  items: T[];
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T;
}

export type Verb = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RequestOptions {
  query?: Query;
  /** Patches default to JSON merge patch: custom resources reject strategic merge (415). */
  contentType?: string;
  body?: unknown;
  /** Overrides the client's request timeout. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WatchOptions {
  /** No bytes for this long ends the watch with a KubeError of reason WatchSilent (default: kube/watch-silence.ts). */
  silenceMs?: number;
}

/** One finished request, for metrics. `status` is 0 when no answer came. */
export interface RequestRecord {
  verb: Verb | "WATCH";
  resource: string;
  status: number;
  durationMs: number;
}

export interface KubeClient {
  readonly access: ClusterAccess;
  request<T = KubeObject>(verb: Verb, path: string, options?: RequestOptions): Promise<T>;
  /**
   * Streams watch events until the server ends the watch (resolves) or `signal` aborts (resolves).
   * Fails with a KubeError: the server's status, or WatchSilent when no bytes came for silenceMs.
   * An exception thrown by `onEvent` ends the watch and is rethrown as it is.
   * Every watch asks for bookmarks, so that an idle one still hears from the server about once a
   * minute and a dead connection is noticed within seconds of that; the bookmarks reach `onEvent`
   * only when the query asked for them itself (allowWatchBookmarks: true). A query that says
   * allowWatchBookmarks: false gets none, and only the server's end of the watch bounds its silence.
   */
  watch<T = KubeObject>(path: string, query: Query | undefined, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal, options?: WatchOptions): Promise<void>;
  /** The credentials currently presented (the exec WebSocket of the CLI presents the same). */
  credentials(): Promise<Credentials>;
  /**
   * The keep-alive agent requests go through, for the current credentials: a WebSocket (exec,
   * port-forward) opened through it upgrades a connection an earlier request left open, instead of
   * paying for a new TCP and TLS handshake.
   */
  connectionAgent(): Promise<HttpAgent>;
}

export interface ClientOptions {
  /** Deadline of each request, headers and body. 30 s unless set. */
  timeoutMs?: number;
  /** Silence timeout of every watch, instead of the rule in kube/watch-silence.ts. */
  watchSilenceMs?: number;
  /** Called once per finished request, e.g. to count them in metrics. */
  onRequest?: (record: RequestRecord) => void;
  userAgent?: string;
  now?: () => number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export function createKubeClient(access: ClusterAccess, options: ClientOptions = {}): KubeClient {
  const base = new URL(access.server);
  const secure = base.protocol === "https:";
  const basePath = base.pathname.replace(/\/$/, "");
  const creds = credentialSource(access, options.now);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  // One keep-alive agent reused by every request (a TLS handshake per request costs CPU); made
  // again only if an exec plugin hands out a new client certificate.
  let agent: { agent: HttpAgent; cert: string | undefined } | undefined;

  /**
   * A request past its deadline or a silent watch means the link to the server may be dead, and
   * with it every idle kept-alive connection that crossed it: those are closed, so the next request
   * or re-watch opens a new connection instead of waiting out a dead one. (client-go's HTTP/2 ping
   * closes its one connection for the same reason.) Connections in use are left to their own timers.
   */
  const dropIdleConnections = () => {
    for (const sockets of Object.values(agent?.agent.freeSockets ?? {})) for (const socket of sockets ?? []) socket.destroy();
  };

  // node:https is loaded on the first request, not at start-up: `puck --help` never pays for it.
  const transport = () => (secure ? import("node:https") : import("node:http"));

  const agentFor = async (c: Credentials): Promise<HttpAgent> => {
    if (agent && agent.cert === c.cert) return agent.agent;
    agent?.agent.destroy();
    const made = secure
      ? new (await import("node:https")).Agent({
          keepAlive: true,
          maxSockets: 32,
          ...(access.ca ? { ca: access.ca } : {}),
          ...(c.cert ? { cert: c.cert } : {}),
          ...(c.key ? { key: c.key } : {}),
          rejectUnauthorized: !access.insecure,
          ...(access.tlsServerName ? { servername: access.tlsServerName } : {}),
        })
      : new (await import("node:http")).Agent({ keepAlive: true, maxSockets: 32 });
    agent = { agent: made, cert: c.cert };
    return made;
  };

  /** Sends one request; resolves with the response once its headers arrive. */
  const open = async (verb: string, path: string, query: Query | undefined, payload: string | undefined, contentType: string, signal: AbortSignal) => {
    const c = await creds.get();
    const headers: Record<string, string> = { Accept: "application/json", "User-Agent": options.userAgent ?? "puck" };
    if (c.token) headers.Authorization = `Bearer ${c.token}`;
    else if (access.username !== undefined && access.password !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(`${access.username}:${access.password}`).toString("base64")}`;
    }
    if (payload !== undefined) {
      headers["Content-Type"] = contentType;
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const [{ request }, httpAgent] = await Promise.all([transport(), agentFor(c)]);
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(
        {
          method: verb,
          protocol: base.protocol,
          hostname: base.hostname.replace(/^\[(.*)\]$/, "$1"),
          port: base.port || (secure ? 443 : 80),
          path: basePath + path + queryText(query),
          headers,
          agent: httpAgent,
          signal,
        },
        resolve,
      );
      req.on("error", reject);
      req.end(payload);
    });
  };

  const readAll = async (res: IncomingMessage): Promise<string> => {
    // Decoded once, after the last chunk: a character split between chunks stays whole.
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  };

  const record = (verb: RequestRecord["verb"], path: string, status: number, startMs: number) =>
    options.onRequest?.({ verb, resource: resourceOfPath(path), status, durationMs: now() - startMs });

  async function requestOnce<T>(verb: Verb, path: string, opts: RequestOptions): Promise<T> {
    const what = `${verb} ${path}`;
    const limit = opts.timeoutMs ?? timeoutMs;
    const deadline = AbortSignal.timeout(limit);
    const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const contentType = opts.contentType ?? (verb === "PATCH" ? "application/merge-patch+json" : "application/json");
    const started = now();
    let status = 0;
    let text: string;
    try {
      const res = await open(verb, path, opts.query, payload, contentType, signal);
      status = res.statusCode ?? 0;
      text = await readAll(res);
    } catch (error) {
      record(verb, path, status, started);
      if (error instanceof KubeError) throw error;
      if (deadline.aborted) {
        dropIdleConnections();
        throw localError(what, LOCAL_REASON.timeout, `no answer within ${limit} ms`, error);
      }
      if (opts.signal?.aborted) throw localError(what, LOCAL_REASON.aborted, "aborted", error);
      throw localError(what, LOCAL_REASON.network, (error as Error).message, error);
    }
    record(verb, path, status, started);
    if (status < 200 || status >= 300) throw httpError(what, status, text);
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }

  return {
    access,
    credentials: () => creds.get(),
    connectionAgent: async () => agentFor(await creds.get()),

    async request<T>(verb: Verb, path: string, opts: RequestOptions = {}): Promise<T> {
      try {
        return await requestOnce<T>(verb, path, opts);
      } catch (error) {
        // Rotated tokens and expired exec credentials: read or run them again, once, as kubectl does.
        if (isStatus(error, 401) && creds.invalidate()) return requestOnce<T>(verb, path, opts);
        throw error;
      }
    },

    async watch<T>(path: string, query: Query | undefined, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal, watchOptions: WatchOptions = {}) {
      const what = `WATCH ${path}`;
      // Bookmarks are asked for unless refused; a caller that did not ask never sees them.
      const sent: Query = { ...query, allowWatchBookmarks: query?.allowWatchBookmarks ?? true };
      const deliver =
        query?.allowWatchBookmarks === undefined
          ? (event: WatchEvent<T>) => {
              if (event.type !== "BOOKMARK") onEvent(event);
            }
          : onEvent;
      const silenceMs = watchOptions.silenceMs ?? options.watchSilenceMs ?? watchSilenceMs(sent);
      const local = new AbortController();
      const stop = AbortSignal.any([signal, local.signal]);
      let silent = false;
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          silent = true;
          local.abort();
        }, silenceMs);
      };
      const started = now();
      arm();
      let res: IncomingMessage;
      try {
        res = await open("GET", path, { ...sent, watch: true }, undefined, "application/json", stop);
      } catch (error) {
        clearTimeout(timer);
        record("WATCH", path, 0, started);
        if (signal.aborted) return;
        if (error instanceof KubeError) throw error;
        if (silent) {
          dropIdleConnections();
          throw localError(what, LOCAL_REASON.watchSilent, `no answer within ${silenceMs} ms`, error);
        }
        throw localError(what, LOCAL_REASON.network, (error as Error).message, error);
      }
      const status = res.statusCode ?? 0;
      record("WATCH", path, status, started);
      if (status < 200 || status >= 300) {
        clearTimeout(timer);
        throw httpError(what, status, await readAll(res).catch(() => ""));
      }
      const lines = new JsonLines();
      try {
        for await (const chunk of res) {
          arm();
          for (const line of lines.push(chunk as Buffer)) deliver(JSON.parse(line) as WatchEvent<T>);
        }
        for (const line of lines.end()) deliver(JSON.parse(line) as WatchEvent<T>);
      } catch (error) {
        if (signal.aborted) return;
        if (silent) {
          dropIdleConnections();
          throw localError(what, LOCAL_REASON.watchSilent, `no bytes for ${silenceMs} ms`, error);
        }
        if ((error as { code?: string }).code === "ABORT_ERR" || (error as { code?: string }).code === "ECONNRESET") {
          throw localError(what, LOCAL_REASON.network, (error as Error).message, error);
        }
        throw error;
      } finally {
        clearTimeout(timer);
        res.destroy();
      }
    },
  };
}
