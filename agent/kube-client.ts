// A tiny Kubernetes API client on node:https: GET, WATCH and merge-PATCH one Sprite, nothing else.
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";

/** Where the API server is and how to authenticate: in-cluster files, or a local URL for host runs. */
export interface ApiTarget {
  /** e.g. https://10.43.0.1:443, or http://127.0.0.1:8001 behind `kubectl proxy`. */
  baseUrl: string;
  /** PEM of the CA that signed the API server's certificate (in-cluster: ca.crt). */
  ca?: string;
  /** File holding the bearer token; projected tokens rotate, so it is re-read periodically. */
  tokenFile?: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
  }
}

const TOKEN_REREAD_MS = 60_000;
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * A watch is silent while nothing changes, but the server ends it after its timeoutSeconds (300)
 * and sends bookmarks meanwhile: a watch silent for longer sits on a dead connection.
 */
const WATCH_IDLE_TIMEOUT_MS = 360_000;

export interface KubeClient {
  request(method: "GET" | "PATCH", path: string, body?: unknown): Promise<unknown>;
  /** Streams watch events (one JSON object per line) until the server ends the watch or `signal` aborts. */
  watch(path: string, onEvent: (event: { type: string; object: unknown }) => void, signal: AbortSignal): Promise<void>;
}

export function createKubeClient(target: ApiTarget, now: () => number = Date.now): KubeClient {
  const url = new URL(target.baseUrl);
  const secure = url.protocol === "https:";
  // One keep-alive connection reused for every request: a TLS handshake per patch would cost CPU.
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 4, ca: target.ca }) : new http.Agent({ keepAlive: true, maxSockets: 4 });
  let token: string | undefined;
  let tokenReadMs = -Infinity;

  const headers = (extra: Record<string, string>): Record<string, string> => {
    if (target.tokenFile && now() - tokenReadMs >= TOKEN_REREAD_MS) {
      try {
        token = readFileSync(target.tokenFile, "utf8").trim();
        tokenReadMs = now();
      } catch (error) {
        // Keep the previous token: a rotation in progress must not stop reporting.
        if (token === undefined) throw new Error(`read service-account token ${target.tokenFile}`, { cause: error });
      }
    }
    return { Accept: "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
  };

  /** Sends one request; resolves with the response once its headers arrive. */
  const open = (method: string, path: string, payload: string | undefined, signal?: AbortSignal) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const extra: Record<string, string> =
        payload === undefined ? {} : { "Content-Type": "application/merge-patch+json", "Content-Length": String(Buffer.byteLength(payload)) };
      const req = (secure ? https : http).request(
        {
          method,
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port || (secure ? 443 : 80),
          path: `${url.pathname.replace(/\/$/, "")}${path}`,
          headers: headers(extra),
          agent,
          ...(signal ? { signal, timeout: WATCH_IDLE_TIMEOUT_MS } : { timeout: REQUEST_TIMEOUT_MS }),
        },
        resolve,
      );
      req.on("timeout", () => req.destroy(new Error(`no data within ${signal ? WATCH_IDLE_TIMEOUT_MS : REQUEST_TIMEOUT_MS} ms`)));
      req.on("error", reject);
      req.end(payload);
    });

  return {
    async request(method, path, body) {
      const res = await open(method, path, body === undefined ? undefined : JSON.stringify(body));
      const text = await readBody(res);
      if (res.statusCode === undefined || res.statusCode >= 300) {
        throw new ApiError(`${method} ${path}: HTTP ${res.statusCode} ${apiMessage(text)}`, res.statusCode ?? 0, text);
      }
      return JSON.parse(text) as unknown;
    },

    async watch(path, onEvent, signal) {
      const res = await open("GET", path, undefined, signal);
      if (res.statusCode !== 200) {
        const text = await readBody(res);
        throw new ApiError(`WATCH ${path}: HTTP ${res.statusCode} ${apiMessage(text)}`, res.statusCode ?? 0, text);
      }
      res.setEncoding("utf8");
      let buffer = "";
      for await (const chunk of res as AsyncIterable<string>) {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line) onEvent(JSON.parse(line) as { type: string; object: unknown });
        }
      }
    },
  };
}

async function readBody(res: http.IncomingMessage): Promise<string> {
  res.setEncoding("utf8");
  let text = "";
  for await (const chunk of res as AsyncIterable<string>) text += chunk;
  return text;
}

function apiMessage(text: string): string {
  try {
    const status = JSON.parse(text) as { message?: string };
    if (status.message) return status.message;
  } catch {
    // not a Status object
  }
  return text.slice(0, 200);
}
