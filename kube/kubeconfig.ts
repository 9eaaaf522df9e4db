// Reads kubeconfig files as kubectl does: which files, which context, and the access it resolves to.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { AccessError, type ClusterAccess } from "./access.js";
import { parsePlainYaml } from "./plain-yaml.js";

export interface Selection {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface KubeconfigDoc {
  path: string;
  doc: Record<string, unknown>;
}

/** The files kubectl would read: --kubeconfig, else $KUBECONFIG (colon-separated), else ~/.kube/config. */
export function kubeconfigFiles(selection: Selection, env: Record<string, string | undefined>): string[] {
  if (selection.kubeconfig) return [selection.kubeconfig];
  const list = (env.KUBECONFIG ?? "").split(":").filter((p) => p !== "");
  if (list.length > 0) return list;
  return [join(env.HOME || homedir(), ".kube", "config")];
}

/**
 * Loads the `yaml` package. The caller decides how: the CLI keeps it out of its bundle (every bundled
 * byte is parsed at each start) and loads it from node_modules; the operator bundles it.
 */
export type YamlLoader = () => Promise<{ parse(text: string): unknown }>;

/**
 * A kubeconfig is YAML 1.2 (JSON included), read as the `yaml` package reads it. The plain layout
 * kubectl writes takes a fast path proven equal to `yaml` (plain-yaml.ts); anything else goes to `yaml`.
 */
export async function parseKubeconfigText(text: string, loadYaml: YamlLoader): Promise<unknown> {
  if (text.trimStart().startsWith("{")) return JSON.parse(text);
  return parsePlainYaml(text) ?? (await loadYaml()).parse(text);
}

export async function readKubeconfigs(files: string[], explicit: boolean, loadYaml: YamlLoader): Promise<KubeconfigDoc[]> {
  const docs: KubeconfigDoc[] = [];
  for (const path of files) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      // kubectl skips missing files in $KUBECONFIG, but not an explicit --kubeconfig.
      if (!explicit && (error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw new AccessError(`cannot read kubeconfig ${path}: ${(error as Error).message}`, "pass an existing file with --kubeconfig, or set KUBECONFIG");
    }
    let doc: unknown;
    try {
      doc = await parseKubeconfigText(text, loadYaml);
    } catch (error) {
      throw new AccessError(`kubeconfig ${path} is not valid YAML: ${(error as Error).message.split("\n")[0]}`, "fix or replace the file");
    }
    if (doc && typeof doc === "object") docs.push({ path, doc: doc as Record<string, unknown> });
  }
  return docs;
}

type Entry = Record<string, unknown>;

const namedList = (doc: Entry, key: string) =>
  Array.isArray(doc[key]) ? (doc[key] as Entry[]).filter((e) => e && typeof e.name === "string") : [];

/** Resolves the selected context as kubectl does: the first definition of each name wins across files. */
export function resolveKubeconfig(docs: KubeconfigDoc[], selection: Selection, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): ClusterAccess {
  if (docs.length === 0) {
    throw new AccessError("no kubeconfig found", "point puck at your cluster with --kubeconfig FILE or KUBECONFIG=FILE (as for kubectl)");
  }
  const files = docs.map((d) => d.path).join(":");
  const find = (key: string, name: string) => {
    for (const d of docs) {
      const entry = namedList(d.doc, key).find((e) => e.name === name);
      if (entry) return { entry: (entry[key.slice(0, -1)] ?? {}) as Entry, base: dirname(resolve(d.path)) };
    }
    return undefined;
  };
  const contextName = selection.context ?? docs.map((d) => d.doc["current-context"]).find((c): c is string => typeof c === "string" && c !== "");
  if (!contextName) throw new AccessError("the kubeconfig has no current context", "pick one with --context NAME (see `kubectl config get-contexts`)", true);
  const context = find("contexts", contextName);
  if (!context) throw new AccessError(`context "${contextName}" not found in ${files}`, "list them with `kubectl config get-contexts`", true);
  const clusterName = String(context.entry.cluster ?? "");
  const cluster = find("clusters", clusterName);
  if (!cluster || typeof cluster.entry.server !== "string") {
    throw new AccessError(`cluster "${clusterName}" of context "${contextName}" has no server`, "fix the kubeconfig's clusters section");
  }
  const userName = String(context.entry.user ?? "");
  const userFound = find("users", userName);
  const user = userFound?.entry ?? {};
  const userBase = userFound?.base ?? cluster.base;
  const pathIn = (base: string, file: string) => (isAbsolute(file) ? file : join(base, file));
  const fileOrData = (entry: Entry, fileKey: string, dataKey: string, base: string) => {
    const data = entry[dataKey];
    if (typeof data === "string" && data !== "") return Buffer.from(data, "base64").toString("utf8");
    const file = entry[fileKey];
    if (typeof file !== "string" || file === "") return undefined;
    const path = pathIn(base, file);
    try {
      return readFile(path);
    } catch (error) {
      throw new AccessError(`cannot read ${fileKey} ${path}: ${(error as Error).message}`, "fix the path in your kubeconfig");
    }
  };
  if (user["auth-provider"]) {
    throw new AccessError(`user "${userName}" uses an auth-provider, which puck does not support`, "use a token, client certificate or exec plugin in your kubeconfig");
  }
  const namespace = selection.namespace || (typeof context.entry.namespace === "string" && context.entry.namespace) || "default";
  const access: ClusterAccess = {
    server: cluster.entry.server.replace(/\/+$/, ""),
    context: contextName,
    namespace,
    insecure: cluster.entry["insecure-skip-tls-verify"] === true,
  };
  const ca = fileOrData(cluster.entry, "certificate-authority", "certificate-authority-data", cluster.base);
  if (ca) access.ca = ca;
  if (typeof cluster.entry["tls-server-name"] === "string") access.tlsServerName = cluster.entry["tls-server-name"];
  const cert = fileOrData(user, "client-certificate", "client-certificate-data", userBase);
  const key = fileOrData(user, "client-key", "client-key-data", userBase);
  if (cert) access.cert = cert;
  if (key) access.key = key;
  if (typeof user.token === "string" && user.token !== "") access.token = user.token;
  else if (typeof user.tokenFile === "string" && user.tokenFile !== "") access.tokenFile = pathIn(userBase, user.tokenFile);
  if (typeof user.username === "string") access.username = user.username;
  if (typeof user.password === "string") access.password = user.password;
  const exec = user.exec as Entry | undefined;
  if (exec && typeof exec.command === "string") {
    access.exec = {
      command: exec.command,
      args: Array.isArray(exec.args) ? exec.args.map(String) : [],
      env: Array.isArray(exec.env) ? (exec.env as { name: string; value: string }[]) : [],
      apiVersion: String(exec.apiVersion ?? "client.authentication.k8s.io/v1"),
      baseDir: userBase,
    };
  }
  return access;
}

/** Reads the kubeconfig files and resolves the selected context. */
export async function loadKubeconfig(selection: Selection, env: Record<string, string | undefined>, loadYaml: YamlLoader): Promise<ClusterAccess> {
  const files = kubeconfigFiles(selection, env);
  return resolveKubeconfig(await readKubeconfigs(files, selection.kubeconfig !== undefined, loadYaml), selection);
}
