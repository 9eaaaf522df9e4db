// The installed operator's version, and whether this CLI is too far from it (kubectl's habit: a
// warning on stderr, never a refusal). The operator's version is the label app.kubernetes.io/version
// of the Deployment puck-system/puck-operator (npm run release writes it; deploy/operator.yaml carries
// the source's), else its image's tag. Reading it takes `get` on that one Deployment: a user without
// it sees "unknown" in `puck version` and never a warning.
//
// Every command that talks to the cluster checks, at most once: from a cache of the last answer per
// API server (10 minutes), at once; when the cache is stale it asks the API server in the background
// and keeps the answer for the next command (a late warning would land inside connect's terminal).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { KubeClient } from "../kube/client.js";
import { KubeError } from "../kube/errors.js";
import type { Io } from "./io.js";
import { createOutput } from "./output.js";
import { VERSION } from "./version.js";

export const OPERATOR_NAMESPACE = "puck-system";
export const OPERATOR_DEPLOYMENT = "puck-operator";
export const VERSION_LABEL = "app.kubernetes.io/version";
const CACHE_TTL_MS = 10 * 60_000;

export interface Version {
  major: number;
  minor: number;
  patch: number;
}

/** "1.2.3", "v1.2.3", "1.2.3-rc.1+build": the numbers; anything else (dev, latest) is no version. */
export function parseVersion(text: string): Version | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.+-]*)?$/.exec(text.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

/**
 * The warning when the CLI and the operator differ in a way that matters, else undefined.
 * Before 1.0 every minor release may change the Sprite API: any minor difference matters. From 1.0
 * on, as kubectl: one minor release apart either way is supported, more is not; a major difference
 * always matters. Patch releases never do, nor a version that is not one (dev builds).
 */
export function skewWarning(cli: string, operator: string): string | undefined {
  const c = parseVersion(cli);
  const o = parseVersion(operator);
  if (!c || !o) return undefined;
  const allowed = c.major === 0 && o.major === 0 ? 0 : 1;
  if (c.major === o.major && Math.abs(c.minor - o.minor) <= allowed) return undefined;
  const advice = c.major > o.major || (c.major === o.major && c.minor > o.minor) ? "upgrade Puck in the cluster (puck.yaml of this release)" : `install puck ${o.major}.${o.minor} (the release the operator came with)`;
  return `puck ${cli} and the cluster's Puck operator ${operator} are too far apart: some commands may fail or misbehave; ${advice}`;
}

export type OperatorVersion = { version: string } | { unknown: string };

/** The installed operator's version, asked of the API server now. */
export async function readOperatorVersion(client: KubeClient, timeoutMs = 10_000): Promise<OperatorVersion> {
  const where = `deployment ${OPERATOR_DEPLOYMENT} in namespace ${OPERATOR_NAMESPACE}`;
  let deployment: { metadata: { labels?: Record<string, string> }; spec?: { template?: { spec?: { containers?: { name: string; image?: string }[] } } } };
  try {
    deployment = await client.request("GET", `/apis/apps/v1/namespaces/${OPERATOR_NAMESPACE}/deployments/${OPERATOR_DEPLOYMENT}`, { timeoutMs });
  } catch (error) {
    if (error instanceof KubeError && error.status === 403) return { unknown: `no permission to get ${where}` };
    if (error instanceof KubeError && error.status === 404) return { unknown: `not installed: no ${where}` };
    if (error instanceof KubeError && error.status === 401) return { unknown: "the cluster did not accept the credentials" };
    return { unknown: error instanceof Error ? error.message : String(error) };
  }
  const label = deployment.metadata.labels?.[VERSION_LABEL];
  if (label) return { version: label };
  const image = deployment.spec?.template?.spec?.containers?.find((c) => c.name === "operator")?.image ?? "";
  const tag = /:([^:/@]+)(?:@.*)?$/.exec(image)?.[1];
  if (tag && parseVersion(tag)) return { version: tag };
  return { unknown: `${where} has no ${VERSION_LABEL} label and its image ${image || "(none)"} no version tag` };
}

type Cache = Record<string, { at: number } & OperatorVersion>;

const cacheFile = (env: Io["env"]) => join(env.XDG_CACHE_HOME || join(env.HOME || env.USERPROFILE || ".", ".cache"), "puck", "operator-version.json");

function readCache(env: Io["env"]): Cache {
  try {
    return JSON.parse(readFileSync(cacheFile(env), "utf8")) as Cache;
  } catch {
    return {};
  }
}

function writeCache(env: Io["env"], server: string, answer: OperatorVersion, now: number): void {
  try {
    const file = cacheFile(env);
    const cache = readCache(env);
    for (const [key, entry] of Object.entries(cache)) if (now - entry.at > CACHE_TTL_MS) delete cache[key];
    cache[server] = { at: now, ...answer };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.${process.pid}`, JSON.stringify(cache));
    renameSync(`${file}.${process.pid}`, file);
  } catch {
    // A cache is a nicety: a read-only home only means asking again next time.
  }
}

let checked = false;

/** `puck version` does its own check, fresh: the per-command one stands down. */
export function skipSkewCheck(): void {
  checked = true;
}

/** Remembers an answer got now (by `puck version`) for the per-command checks. */
export function rememberOperatorVersion(io: Io, server: string, answer: OperatorVersion): void {
  writeCache(io.env, server, answer, io.now().getTime());
}

/** The per-command check (see the top of this file): at most one warning per process. */
export function checkSkew(client: KubeClient, io: Io, cliVersion = VERSION): void {
  if (checked) return;
  checked = true;
  const server = client.access.server;
  const now = io.now().getTime();
  const cached = readCache(io.env)[server];
  if (cached && now - cached.at >= 0 && now - cached.at < CACHE_TTL_MS) {
    const warning = "version" in cached ? skewWarning(cliVersion, cached.version) : undefined;
    if (warning) createOutput(io).warn(warning);
    return;
  }
  void readOperatorVersion(client, 5_000).then(
    (answer) => writeCache(io.env, server, answer, now),
    () => undefined,
  );
}
