// A tiny Kubernetes REST client over node:https: JSON requests and line-delimited watches.
// client-node costs ~80 MiB and a third of a second to load; list and friends need only this.
import type { IncomingMessage, RequestOptions } from "node:http";
import type { Agent } from "node:https";
import { KubeHttpError, PuckError } from "./errors.js";
import type { ClusterAccess, ExecPlugin } from "./kubeconfig.js";

export interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

export interface KubeClient {
  readonly access: ClusterAccess;
  /** The token or client certificate to present (runs the exec plugin once, if there is one). */
  credentials(): Promise<Credentials>;
  /** Sends a request; `what` names the action for error messages ("get Sprite web"). */
  request<T>(method: string, path: string, what: string, body?: unknown, contentType?: string): Promise<T>;
  /** Streams watch events until the server ends the watch or `signal` aborts. */
  watch<T>(path: string, what: string, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void>;
}

export interface Credentials {
  token?: string;
  cert?: string;
  key?: string;
}

/** Runs a kubeconfig exec plugin (as kubectl does) and returns what its ExecCredential holds. */
async function runExecPlugin(plugin: ExecPlugin, server: string): Promise<Credentials> {
  const env = { ...process.env, ...Object.fromEntries(plugin.env.map((e) => [e.name, e.value])) };
  env.KUBERNETES_EXEC_INFO = JSON.stringify({
    apiVersion: plugin.apiVersion,
    kind: "ExecCredential",
    spec: { cluster: { server }, interactive: false },
  });
  let stdout: string;
  try {
    // child_process costs a few milliseconds to load; only exec-plugin users pay for it.
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    ({ stdout } = await promisify(execFile)(plugin.command, plugin.args, { env, timeout: 60_000 }));
  } catch (error) {
    throw new PuckError(
      `the kubeconfig's exec plugin ${plugin.command} failed: ${(error as Error).message.split("\n")[0]}`,
      "run it by hand to see why, or log in again with your cluster's tool",
    );
  }
  const status = (JSON.parse(stdout) as { status?: { token?: string; clientCertificateData?: string; clientKeyData?: string } }).status ?? {};
  const creds: Credentials = {};
  if (status.token) creds.token = status.token;
  if (status.clientCertificateData) creds.cert = status.clientCertificateData;
  if (status.clientKeyData) creds.key = status.clientKeyData;
  return creds;
}

export function createKubeClient(access: ClusterAccess): KubeClient {
  const url = new URL(access.server);
  const secure = url.protocol === "https:";
  let credentials: Promise<Credentials> | undefined;
  let agent: Agent | undefined;
  const getCredentials = () =>
    (credentials ??= access.exec
      ? runExecPlugin(access.exec, access.server)
      : Promise.resolve({ ...(access.token ? { token: access.token } : {}), ...(access.cert ? { cert: access.cert } : {}), ...(access.key ? { key: access.key } : {}) }));

  // node:https is loaded on the first request, not at start-up: --help and completion never pay for it.
  const transport = () => (secure ? import("node:https") : import("node:http"));

  const open = async (method: string, path: string, headers: Record<string, string>): Promise<RequestOptions> => {
    const creds = await getCredentials();
    if (secure && !agent) {
      const { Agent } = await import("node:https");
      agent = new Agent({
        keepAlive: true,
        ...(access.ca ? { ca: access.ca } : {}),
        ...(creds.cert ? { cert: creds.cert } : {}),
        ...(creds.key ? { key: creds.key } : {}),
        rejectUnauthorized: !access.insecure,
        ...(access.tlsServerName ? { servername: access.tlsServerName } : {}),
      });
    }
    const all: Record<string, string> = { Accept: "application/json", "User-Agent": "puck", ...headers };
    if (creds.token) all.Authorization = `Bearer ${creds.token}`;
    else if (access.username !== undefined && access.password !== undefined) {
      all.Authorization = `Basic ${Buffer.from(`${access.username}:${access.password}`).toString("base64")}`;
    }
    const basePath = url.pathname === "/" ? "" : url.pathname;
    return {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port || (secure ? 443 : 80),
      path: basePath + path,
      headers: all,
      ...(agent ? { agent } : {}),
    };
  };

  const send = async (options: RequestOptions, body: string | undefined, signal?: AbortSignal) => {
    const { request } = await transport();
    return new Promise<IncomingMessage>((resolvePromise, reject) => {
      const req = request({ ...options, ...(signal ? { signal } : {}) }, resolvePromise);
      req.on("error", reject);
      req.end(body);
    });
  };

  const readAll = async (res: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  };

  return {
    access,
    credentials: getCredentials,
    async request<T>(method: string, path: string, what: string, body?: unknown, contentType = "application/json"): Promise<T> {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = payload === undefined ? {} : { "Content-Type": contentType };
      const res = await send(await open(method, path, headers), payload);
      const text = await readAll(res);
      if ((res.statusCode ?? 0) >= 300) throw new KubeHttpError(what, res.statusCode ?? 0, text);
      return (text === "" ? undefined : JSON.parse(text)) as T;
    },
    async watch<T>(path: string, what: string, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
      let res: IncomingMessage;
      try {
        res = await send(await open("GET", path, {}), undefined, signal);
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
      if ((res.statusCode ?? 0) >= 300) throw new KubeHttpError(what, res.statusCode ?? 0, await readAll(res));
      let buffered = "";
      try {
        for await (const chunk of res) {
          buffered += (chunk as Buffer).toString("utf8");
          let newline: number;
          while ((newline = buffered.indexOf("\n")) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (line !== "") onEvent(JSON.parse(line) as WatchEvent<T>);
          }
        }
      } catch (error) {
        if (!signal.aborted) throw error;
      }
    },
  };
}
