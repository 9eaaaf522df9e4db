// The credentials a request presents: a static token, a token file re-read when it rotates, or an
// exec plugin's ExecCredential cached until shortly before it expires (kubectl's rules).
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { ClusterAccess, ExecPlugin } from "./access.js";
import { KubeError, LOCAL_REASON } from "./errors.js";

export interface Credentials {
  token?: string;
  cert?: string;
  key?: string;
}

export interface CachedExecCredential {
  credentials: Credentials;
  /** From status.expirationTimestamp; undefined means valid until the server says otherwise (401). */
  expiresAtMs?: number;
}

/** Refresh this long before the expiry, so a request never leaves with a token about to lapse. */
const EXPIRY_MARGIN_MS = 10_000;

/** Whether a cached exec credential may still be sent; run the plugin again when not. */
export function execCredentialUsable(cached: CachedExecCredential | undefined, nowMs: number): boolean {
  if (!cached) return false;
  return cached.expiresAtMs === undefined || nowMs < cached.expiresAtMs - EXPIRY_MARGIN_MS;
}

/** Reads an ExecCredential's status; throws on output that is not one. */
export function parseExecCredential(stdout: string): CachedExecCredential {
  const parsed = JSON.parse(stdout) as {
    kind?: string;
    status?: { token?: string; clientCertificateData?: string; clientKeyData?: string; expirationTimestamp?: string };
  };
  if (parsed.kind !== "ExecCredential" || !parsed.status) throw new Error("its output is not an ExecCredential with a status");
  const { token, clientCertificateData, clientKeyData, expirationTimestamp } = parsed.status;
  const credentials: Credentials = {};
  if (token) credentials.token = token;
  if (clientCertificateData) credentials.cert = clientCertificateData;
  if (clientKeyData) credentials.key = clientKeyData;
  if (!credentials.token && !(credentials.cert && credentials.key)) throw new Error("its ExecCredential holds neither a token nor a client certificate and key");
  const expiresAtMs = expirationTimestamp ? Date.parse(expirationTimestamp) : undefined;
  return { credentials, ...(expiresAtMs !== undefined && !Number.isNaN(expiresAtMs) ? { expiresAtMs } : {}) };
}

async function runExecPlugin(plugin: ExecPlugin, server: string): Promise<string> {
  const env: Record<string, string | undefined> = { ...process.env, ...Object.fromEntries(plugin.env.map((e) => [e.name, e.value])) };
  env.KUBERNETES_EXEC_INFO = JSON.stringify({ apiVersion: plugin.apiVersion, kind: "ExecCredential", spec: { cluster: { server }, interactive: false } });
  // A command with a slash is a path, relative to the kubeconfig's folder; a bare name is looked up on PATH.
  const command = plugin.command.includes("/") && !isAbsolute(plugin.command) && plugin.baseDir ? join(plugin.baseDir, plugin.command) : plugin.command;
  // child_process costs a few milliseconds to load: only exec-plugin users pay for it.
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  const { stdout } = await promisify(execFile)(command, plugin.args, { env, timeout: 60_000 });
  return stdout;
}

export interface CredentialSource {
  get(): Promise<Credentials>;
  /** After a 401: drop what is cached so the next get() reads or runs afresh. Returns false if nothing can change. */
  invalidate(): boolean;
}

export function credentialSource(access: ClusterAccess, now: () => number = Date.now): CredentialSource {
  const fixed: Credentials = {
    ...(access.token ? { token: access.token } : {}),
    ...(access.cert ? { cert: access.cert } : {}),
    ...(access.key ? { key: access.key } : {}),
  };
  const fail = (what: string, error: unknown) =>
    new KubeError(`${what}: ${(error as Error).message.split("\n")[0]}`, 0, LOCAL_REASON.credentials, "", false, { cause: error });

  if (access.exec) {
    const plugin = access.exec;
    let cached: CachedExecCredential | undefined;
    let running: Promise<CachedExecCredential> | undefined;
    return {
      async get() {
        if (execCredentialUsable(cached, now())) return { ...fixed, ...cached!.credentials };
        running ??= runExecPlugin(plugin, access.server)
          .then(parseExecCredential)
          .catch((error: unknown) => {
            throw fail(`the kubeconfig's exec plugin ${plugin.command} failed`, error);
          })
          .finally(() => (running = undefined));
        cached = await running;
        return { ...fixed, ...cached.credentials };
      },
      invalidate() {
        cached = undefined;
        return true;
      },
    };
  }

  if (access.tokenFile) {
    const file = access.tokenFile;
    // Keyed by what stat says, so a rewritten (or re-linked, as the kubelet does) file is read again
    // at once, while an unchanged one costs a stat per request rather than a read.
    let seen: { key: string; token: string } | undefined;
    return {
      async get() {
        try {
          const st = statSync(file);
          const key = `${st.ino}:${st.mtimeMs}:${st.size}`;
          if (seen?.key !== key) seen = { key, token: readFileSync(file, "utf8").trim() };
        } catch (error) {
          // Keep the last token while a rotation is in progress: a moment without the file must not stop us.
          if (!seen) throw fail(`read token file ${file}`, error);
        }
        return { ...fixed, token: seen.token };
      },
      invalidate() {
        seen = undefined;
        return true;
      },
    };
  }

  return { get: async () => fixed, invalidate: () => false };
}
