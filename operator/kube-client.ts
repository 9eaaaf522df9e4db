// A small Kubernetes REST client over node:https: JSON requests, merge patches and watch streams.
import type { KubeConfig } from "@kubernetes/client-node";
import https from "node:https";
import http from "node:http";
import type { Metrics } from "./metrics.js";

export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string,
  ) {
    super(message);
  }
}

export const isStatus = (error: unknown, status: number): boolean =>
  error instanceof KubeApiError && error.status === status;

export type WatchEvent = { type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR"; object: KubeObject };

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
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
  };
  [key: string]: unknown;
}

export interface KubeList {
  metadata: { resourceVersion: string; continue?: string };
  items: KubeObject[];
}

export type Verb = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** Patches default to JSON merge patch: custom resources reject strategic merge (415). */
  contentType?: string;
  body?: unknown;
}

export interface KubeClient {
  request<T = KubeObject>(verb: Verb, path: string, options?: RequestOptions): Promise<T>;
  /**
   * Streams watch events until the server closes the stream or `signal` aborts. A stream silent for
   * longer than its timeoutSeconds plus a margin is a dead connection (the server would have closed
   * it): it is dropped so the caller re-watches rather than hang.
   */
  watch(path: string, query: RequestOptions["query"], onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void>;
}

const queryText = (query: RequestOptions["query"]): string => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : "";
};

/** The resource a path names, for metrics: the segment after the namespace or API version. */
export const resourceOfPath = (path: string): string => {
  const parts = path.split("?")[0]!.split("/").filter(Boolean);
  const ns = parts.indexOf("namespaces");
  if (ns >= 0 && parts.length > ns + 2) {
    const rest = parts.slice(ns + 2);
    return rest.length >= 3 ? `${rest[0]}/${rest[2]}` : rest[0]!;
  }
  return parts[parts.length - 1] ?? "unknown";
};

export function makeKubeClient(kc: KubeConfig, metrics: Metrics, requestTimeoutMs = 30_000): KubeClient {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("The kubeconfig has no current cluster: set a current context.");
  const server = new URL(cluster.server);
  const secure = server.protocol === "https:";
  let agent: https.Agent | http.Agent | undefined;

  // applyToHTTPSOptions re-reads credentials (in-cluster tokens rotate) but makes a fresh agent each
  // call; keep one keep-alive agent with the same TLS material instead.
  const prepare = async (): Promise<https.RequestOptions> => {
    const opts: https.RequestOptions = { headers: {} };
    await kc.applyToHTTPSOptions(opts);
    if (!agent) {
      agent = secure
        ? new https.Agent({
            keepAlive: true,
            maxSockets: 32,
            ca: opts.ca,
            cert: opts.cert,
            key: opts.key,
            ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
            ...(opts.servername ? { servername: opts.servername } : {}),
          })
        : new http.Agent({ keepAlive: true, maxSockets: 32 });
    }
    return { headers: opts.headers, auth: opts.auth, agent };
  };

  const open = async (verb: Verb, path: string, options: RequestOptions, signal?: AbortSignal) => {
    const base = await prepare();
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const contentType = options.contentType ?? (verb === "PATCH" ? "application/merge-patch+json" : "application/json");
    const headers: Record<string, string> = { ...(base.headers as Record<string, string>), Accept: "application/json" };
    if (body !== undefined) {
      headers["Content-Type"] = contentType;
      headers["Content-Length"] = String(Buffer.byteLength(body));
    }
    const url = new URL(server.pathname.replace(/\/$/, "") + path + queryText(options.query), server);
    return new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = (secure ? https : http).request(
        url,
        { method: verb, headers, agent: base.agent, ...(base.auth ? { auth: base.auth } : {}), signal },
        resolve,
      );
      req.on("error", reject);
      req.end(body);
    });
  };

  const readAll = (res: http.IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      res.on("error", reject);
    });

  const failure = (verb: Verb, path: string, status: number, text: string): KubeApiError => {
    let message = text.slice(0, 500);
    let reason = "";
    try {
      const parsed = JSON.parse(text) as { message?: string; reason?: string };
      message = parsed.message ?? message;
      reason = parsed.reason ?? "";
    } catch {
      // Not a Status object: keep the raw text.
    }
    return new KubeApiError(`${verb} ${path}: ${status} ${message}`, status, reason);
  };

  return {
    async request<T>(verb: Verb, path: string, options: RequestOptions = {}): Promise<T> {
      const resource = resourceOfPath(path);
      if (verb !== "GET") metrics.apiWrites.inc({ verb: verb.toLowerCase(), resource });
      const signal = AbortSignal.timeout(requestTimeoutMs);
      let res: http.IncomingMessage;
      try {
        res = await open(verb, path, options, signal);
      } catch (error) {
        metrics.apiRequests.inc({ verb: verb.toLowerCase(), resource, code: "error" });
        throw new Error(`${verb} ${path}`, { cause: error });
      }
      const text = await readAll(res);
      const status = res.statusCode ?? 0;
      metrics.apiRequests.inc({ verb: verb.toLowerCase(), resource, code: String(status) });
      if (status < 200 || status >= 300) throw failure(verb, path, status, text);
      return (text ? JSON.parse(text) : {}) as T;
    },

    async watch(path, query, onEvent, signal) {
      const res = await open("GET", path, { query: { ...query, watch: true } }, signal);
      const silentMs = (Number(query?.timeoutSeconds ?? 300) + 30) * 1000;
      res.setTimeout(silentMs, () => res.destroy(new Error(`watch ${path} was silent for ${silentMs} ms`)));
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) throw failure("GET", path, status, await readAll(res));
      await new Promise<void>((resolve, reject) => {
        let buffer = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let newline: number;
          while ((newline = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (!line) continue;
            try {
              onEvent(JSON.parse(line) as WatchEvent);
            } catch (error) {
              res.destroy();
              reject(new Error("handle watch event", { cause: error }));
              return;
            }
          }
        });
        res.on("end", () => resolve());
        res.on("error", (error) => (signal.aborted ? resolve() : reject(error)));
        res.on("close", () => resolve());
      });
    },
  };
}
