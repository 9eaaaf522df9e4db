// Validates `puck create` input and builds the Sprite from it: every problem reported at once.
import {
  API_VERSION,
  IDLE_TIMEOUT_MINUTES,
  KIND,
  MAX_HTTP_PORTS,
  PERSIST_MODES,
  SPRITE_NAME_MAX_LENGTH,
  SPRITE_NAME_PATTERN,
  type HttpPort,
  type NetworkAllow,
  type PersistMode,
  type Sprite,
  type SpriteSpec,
} from "../operator/api/index.js";
import { parseQuantity } from "../kube/quantity.js";
import { parseIdleTimeoutMinutes } from "./duration.js";
import { HTTP_FLAG_HINT, parseHttpFlag } from "./url-spec.js";
import { ALLOW_HINT, changeAllows, parseAllowTarget } from "./network-spec.js";

export const DEFAULT_IMAGE = "puck-sprite:dev";

export interface CreateInput {
  name?: string;
  namespace: string;
  image?: string;
  storage?: string;
  storageClass?: string;
  /** What persists across hibernation: machine or home. */
  persist?: string;
  idleTimeout?: string;
  cpu?: string;
  memory?: string;
  cpuLimit?: string;
  memoryLimit?: string;
  /** The authorized_keys file's text, already read. */
  authorizedKeys?: string;
  /** The node to run on (its kubernetes.io/hostname label). */
  node?: string;
  /** Node taints to tolerate, each KEY[=VALUE][:EFFECT]. */
  tolerate?: string[];
  /** Ports served over HTTP, each PORT or PORT:public. */
  http?: string[];
  /** What it may reach beyond its default: ranges and Services (cli/network-spec.ts). */
  allow?: string[];
}

const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const TOLERATION = /^([A-Za-z0-9][-A-Za-z0-9_./]*)(?:=([-A-Za-z0-9_.]*))?(?::(NoSchedule|PreferNoSchedule|NoExecute))?$/;
type Toleration = NonNullable<SpriteSpec["tolerations"]>[number];

/** A taint to tolerate, KEY[=VALUE][:EFFECT], as a toleration: Equal with a value, else Exists. */
export function parseToleration(text: string): Toleration | undefined {
  const match = TOLERATION.exec(text);
  if (!match || match[1]!.length > 316) return undefined;
  const [, key, value, effect] = match;
  return {
    key: key!,
    ...(value !== undefined ? { operator: "Equal" as const, value } : { operator: "Exists" as const }),
    ...(effect ? { effect: effect as Toleration["effect"] & string } : {}),
  };
}

export function nameProblem(name: string | undefined): string | undefined {
  if (!name) return "a name is required: puck create NAME";
  if (name.length > SPRITE_NAME_MAX_LENGTH) return `name "${name}" is ${name.length} characters long; the limit is ${SPRITE_NAME_MAX_LENGTH}`;
  if (!new RegExp(SPRITE_NAME_PATTERN).test(name))
    return `name "${name}" is invalid: use lowercase letters, digits and '-', starting with a letter and not ending with '-'`;
  return undefined;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KEY_LINE = /(^|\s)(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+|sk-\S+@openssh\.com) [A-Za-z0-9+/=]+/;

/** Builds the Sprite, or lists every problem with the offending value. */
export function buildSprite(input: CreateInput): { sprite?: Sprite; problems: string[] } {
  const problems: string[] = [];
  const named = nameProblem(input.name);
  if (named) problems.push(named);

  const image = input.image ?? DEFAULT_IMAGE;
  if (image.trim() === "" || /\s/.test(image) || image.length > 512) problems.push(`image "${image}" is invalid: give an image reference such as ${DEFAULT_IMAGE}`);

  const quantity = (flag: string, value: string | undefined, example: string) => {
    if (value === undefined) return undefined;
    const parsed = parseQuantity(value);
    if (parsed === undefined || parsed <= 0) {
      problems.push(`${flag} "${value}" is not a positive size: use a quantity such as ${example}`);
      return undefined;
    }
    return parsed;
  };
  quantity("--storage", input.storage, "10Gi");
  const cpu = quantity("--cpu", input.cpu, "500m or 2");
  const memory = quantity("--memory", input.memory, "512Mi");
  const cpuLimit = quantity("--cpu-limit", input.cpuLimit, "2");
  const memoryLimit = quantity("--memory-limit", input.memoryLimit, "2Gi");
  if (cpu !== undefined && cpuLimit !== undefined && cpuLimit < cpu) problems.push(`--cpu-limit "${input.cpuLimit}" is below --cpu "${input.cpu}"`);
  if (memory !== undefined && memoryLimit !== undefined && memoryLimit < memory)
    problems.push(`--memory-limit "${input.memoryLimit}" is below --memory "${input.memory}"`);

  let idleTimeoutMinutes: number | undefined;
  if (input.idleTimeout !== undefined) {
    idleTimeoutMinutes = parseIdleTimeoutMinutes(input.idleTimeout);
    if (idleTimeoutMinutes === undefined) problems.push(`--idle-timeout "${input.idleTimeout}" is not a duration: use minutes (45) or a duration (45m, 2h)`);
    else if (idleTimeoutMinutes < IDLE_TIMEOUT_MINUTES.min || idleTimeoutMinutes > IDLE_TIMEOUT_MINUTES.max)
      problems.push(`--idle-timeout "${input.idleTimeout}" is out of range: between 1m and ${IDLE_TIMEOUT_MINUTES.max / 1440}d`);
  }

  if (input.persist !== undefined && !(PERSIST_MODES as readonly string[]).includes(input.persist))
    problems.push(`--persist "${input.persist}" is not one of ${PERSIST_MODES.join(", ")}: machine keeps the whole disk, home only the home`);
  if (input.storageClass !== undefined && (!DNS_SUBDOMAIN.test(input.storageClass) || input.storageClass.length > 253))
    problems.push(`--storage-class "${input.storageClass}" is not a valid StorageClass name`);

  let keys: string[] | undefined;
  if (input.authorizedKeys !== undefined) {
    keys = input.authorizedKeys
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    const bad = keys.find((k) => !KEY_LINE.test(k));
    if (keys.length === 0) problems.push("--authorized-keys: the file holds no keys");
    else if (bad) problems.push(`--authorized-keys: "${bad.slice(0, 40)}${bad.length > 40 ? "…" : ""}" is not an SSH public key`);
    else if (keys.length > 64) problems.push(`--authorized-keys: ${keys.length} keys; the limit is 64`);
  }

  if (input.node !== undefined && !LABEL_VALUE.test(input.node)) problems.push(`--node "${input.node}" is not a node name: give a node's name as \`kubectl get nodes\` lists it`);
  const tolerations: Toleration[] = [];
  for (const text of input.tolerate ?? []) {
    const toleration = parseToleration(text);
    if (toleration) tolerations.push(toleration);
    else problems.push(`--tolerate "${text}" is not a taint: use KEY[=VALUE][:EFFECT], e.g. dedicated=sprites:NoSchedule`);
  }

  const http: HttpPort[] = [];
  for (const text of input.http ?? []) {
    const port = parseHttpFlag(text);
    if (!port) problems.push(`--http "${text}" is not a port: ${HTTP_FLAG_HINT}`);
    else if (http.some((p) => p.port === port.port)) problems.push(`--http names port ${port.port} twice`);
    else http.push(port);
  }
  if (http.length > MAX_HTTP_PORTS) problems.push(`--http: ${http.length} ports; the limit is ${MAX_HTTP_PORTS}`);

  const allow: NetworkAllow[] = [];
  for (const text of input.allow ?? []) {
    const parsed = parseAllowTarget(text);
    if (!parsed) problems.push(`--allow "${text}" is not a range, a Service or a Sprite: ${ALLOW_HINT}`);
    else {
      try {
        allow.splice(0, allow.length, ...changeAllows(allow, { add: parsed }, input.namespace));
      } catch (error) {
        problems.push(`--allow: ${(error as Error).message}`);
      }
    }
  }

  if (problems.length > 0) return { problems };
  const spec: SpriteSpec = { image };
  if (allow.length > 0) spec.network = { allow };
  if (http.length > 0) spec.http = http;
  if (input.node !== undefined) spec.nodeSelector = { "kubernetes.io/hostname": input.node };
  if (tolerations.length > 0) spec.tolerations = tolerations;
  if (input.storage !== undefined) spec.storageSize = input.storage;
  if (input.storageClass !== undefined) spec.storageClassName = input.storageClass;
  if (input.persist !== undefined) spec.persist = input.persist as PersistMode;
  if (idleTimeoutMinutes !== undefined) spec.idleTimeoutMinutes = idleTimeoutMinutes;
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (input.cpu) requests.cpu = input.cpu;
  if (input.memory) requests.memory = input.memory;
  if (input.cpuLimit) limits.cpu = input.cpuLimit;
  if (input.memoryLimit) limits.memory = input.memoryLimit;
  if (Object.keys(requests).length + Object.keys(limits).length > 0) {
    spec.resources = {};
    if (Object.keys(requests).length > 0) spec.resources.requests = requests;
    if (Object.keys(limits).length > 0) spec.resources.limits = limits;
  }
  if (keys) spec.authorizedKeys = keys;
  return {
    sprite: { apiVersion: API_VERSION, kind: KIND, metadata: { name: input.name!, namespace: input.namespace }, spec },
    problems,
  };
}
