// A tiny kubeconfig reader: which server, credentials and namespace a command uses (kubectl's rules).
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { EXIT, PuckError } from "./errors.js";
import { FastYamlUnsupported, parseFastYaml } from "./fast-yaml.js";
import { loadYaml } from "./lazy-deps.js";

export interface ExecPlugin {
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  apiVersion: string;
}

/** Everything needed to talk to one cluster as one user. Files are already read into memory. */
export interface ClusterAccess {
  server: string;
  context: string;
  namespace: string;
  ca?: string;
  insecure: boolean;
  tlsServerName?: string;
  cert?: string;
  key?: string;
  token?: string;
  username?: string;
  password?: string;
  exec?: ExecPlugin;
  /** The kubeconfig files read, in order, for client-node to load the same ones. */
  files: string[];
}

interface Named<T> {
  name: string;
  [key: string]: unknown;
  value?: T;
}

export interface KubeconfigDoc {
  path: string;
  doc: Record<string, unknown>;
}

export interface Selection {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** The files kubectl would read: --kubeconfig, else $KUBECONFIG (colon-separated), else ~/.kube/config. */
export function kubeconfigFiles(selection: Selection, env: Record<string, string | undefined>): string[] {
  if (selection.kubeconfig) return [selection.kubeconfig];
  const list = (env.KUBECONFIG ?? "").split(":").filter((p) => p !== "");
  if (list.length > 0) return list;
  return [join(env.HOME || homedir(), ".kube", "config")];
}

export async function loadKubeconfigDocs(files: string[], explicit: boolean): Promise<KubeconfigDoc[]> {
  const docs: KubeconfigDoc[] = [];
  for (const path of files) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      // kubectl skips missing files in $KUBECONFIG, but not an explicit --kubeconfig.
      if (!explicit && (error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw new PuckError(
        `cannot read kubeconfig ${path}: ${(error as Error).message}`,
        "pass an existing file with --kubeconfig, or set KUBECONFIG",
      );
    }
    let doc: unknown;
    try {
      doc = await parseKubeconfigText(text);
    } catch (error) {
      throw new PuckError(`kubeconfig ${path} is not valid YAML: ${(error as Error).message}`, "fix or replace the file");
    }
    if (doc && typeof doc === "object") docs.push({ path, doc: doc as Record<string, unknown> });
  }
  return docs;
}

/** The fast subset parser first; the full YAML library for anything it does not take. */
export async function parseKubeconfigText(text: string): Promise<unknown> {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{")) return JSON.parse(text);
  try {
    return parseFastYaml(text);
  } catch (error) {
    if (error instanceof FastYamlUnsupported) return (await loadYaml()).parse(text);
    throw error;
  }
}

const namedList = (doc: Record<string, unknown>, key: string) =>
  Array.isArray(doc[key]) ? (doc[key] as Named<unknown>[]).filter((e) => e && typeof e.name === "string") : [];

/** Resolves the context as kubectl does: first definition of each name wins across files. */
export function resolveAccess(
  docs: KubeconfigDoc[],
  selection: Selection,
  readFile: (path: string) => string = (p) => readFileSync(p, "utf8"),
): ClusterAccess {
  const files = docs.map((d) => d.path);
  if (docs.length === 0) {
    throw new PuckError(
      "no kubeconfig found",
      "point puck at your cluster with --kubeconfig FILE or KUBECONFIG=FILE (as for kubectl)",
    );
  }
  const find = (key: string, name: string) => {
    for (const d of docs) {
      const entry = namedList(d.doc, key).find((e) => e.name === name);
      if (entry) return { entry: (entry[key.slice(0, -1)] ?? {}) as Record<string, unknown>, base: dirname(resolve(d.path)) };
    }
    return undefined;
  };
  const contextName =
    selection.context ?? docs.map((d) => d.doc["current-context"]).find((c): c is string => typeof c === "string" && c !== "");
  if (!contextName) {
    throw new PuckError("the kubeconfig has no current context", "pick one with --context NAME (see `kubectl config get-contexts`)", EXIT.usage);
  }
  const context = find("contexts", contextName);
  if (!context) {
    throw new PuckError(`context "${contextName}" not found in ${files.join(":")}`, "list them with `kubectl config get-contexts`", EXIT.usage);
  }
  const clusterName = String(context.entry.cluster ?? "");
  const cluster = find("clusters", clusterName);
  if (!cluster || typeof cluster.entry.server !== "string") {
    throw new PuckError(`cluster "${clusterName}" of context "${contextName}" has no server`, "fix the kubeconfig's clusters section");
  }
  const userName = String(context.entry.user ?? "");
  const user = find("users", userName)?.entry ?? {};
  const userBase = find("users", userName)?.base ?? cluster.base;
  const fileOrData = (entry: Record<string, unknown>, fileKey: string, dataKey: string, base: string) => {
    const data = entry[dataKey];
    if (typeof data === "string" && data !== "") return Buffer.from(data, "base64").toString("utf8");
    const file = entry[fileKey];
    if (typeof file === "string" && file !== "") {
      const path = isAbsolute(file) ? file : join(base, file);
      try {
        return readFile(path);
      } catch (error) {
        throw new PuckError(`cannot read ${fileKey} ${path}: ${(error as Error).message}`, "fix the path in your kubeconfig");
      }
    }
    return undefined;
  };
  if (user["auth-provider"]) {
    throw new PuckError(
      `user "${userName}" uses an auth-provider, which puck does not support`,
      "use a token, client certificate or exec plugin in your kubeconfig",
    );
  }
  const exec = user.exec as Record<string, unknown> | undefined;
  const namespace = selection.namespace || (typeof context.entry.namespace === "string" && context.entry.namespace) || "default";
  const access: ClusterAccess = {
    server: cluster.entry.server.replace(/\/+$/, ""),
    context: contextName,
    namespace,
    insecure: cluster.entry["insecure-skip-tls-verify"] === true,
    files,
  };
  const ca = fileOrData(cluster.entry, "certificate-authority", "certificate-authority-data", cluster.base);
  if (ca) access.ca = ca;
  if (typeof cluster.entry["tls-server-name"] === "string") access.tlsServerName = cluster.entry["tls-server-name"];
  const cert = fileOrData(user, "client-certificate", "client-certificate-data", userBase);
  const key = fileOrData(user, "client-key", "client-key-data", userBase);
  if (cert) access.cert = cert;
  if (key) access.key = key;
  if (typeof user.token === "string" && user.token !== "") access.token = user.token;
  else {
    const tokenFile = fileOrData(user, "tokenFile", "", userBase);
    if (tokenFile) access.token = tokenFile.trim();
  }
  if (typeof user.username === "string") access.username = user.username;
  if (typeof user.password === "string") access.password = user.password;
  if (exec && typeof exec.command === "string") {
    access.exec = {
      command: exec.command,
      args: Array.isArray(exec.args) ? exec.args.map(String) : [],
      env: Array.isArray(exec.env) ? (exec.env as { name: string; value: string }[]) : [],
      apiVersion: String(exec.apiVersion ?? "client.authentication.k8s.io/v1"),
    };
  }
  return access;
}

/** Reads the kubeconfig files and resolves the selected context. */
export async function loadAccess(selection: Selection, env: Record<string, string | undefined>): Promise<ClusterAccess> {
  const files = kubeconfigFiles(selection, env);
  return resolveAccess(await loadKubeconfigDocs(files, selection.kubeconfig !== undefined), selection);
}
