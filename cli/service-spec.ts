// `puck service`'s pure part: a service from the flags, the list's changes, and the rows that list
// and describe show (spec.services with status.services beside them).
import {
  MAX_SERVICE_GRACE_SECONDS,
  MAX_SERVICES,
  SERVICE_NAME_MAX_LENGTH,
  SERVICE_NAME_PATTERN,
  SERVICE_STOP_SIGNALS,
  type ServiceStatus,
  type Sprite,
  type SpriteService,
} from "../operator/api/index.js";
import { ageSince } from "./duration.js";
import { EXIT, PuckError } from "./errors.js";

export const SERVICE_ACTIONS = ["add", "list", "remove", "start", "stop", "restart"] as const;
export type ServiceAction = (typeof SERVICE_ACTIONS)[number];

export interface ServiceFlags {
  dir?: string | undefined;
  user?: string | undefined;
  env?: string[] | undefined;
  port?: string | undefined;
  after?: string[] | undefined;
  grace?: string | undefined;
  stopSignal?: string | undefined;
}

const usage = (problem: string, hint: string) => new PuckError(problem, hint, EXIT.usage);

export function checkServiceName(name: string | undefined): string {
  if (!name) throw usage("name the service", "e.g. puck service add dev web -- python3 -m http.server 8000");
  if (!new RegExp(SERVICE_NAME_PATTERN).test(name) || name.length > SERVICE_NAME_MAX_LENGTH) {
    throw usage(`service name "${name}" is not valid`, `use lowercase letters, digits and '-', at most ${SERVICE_NAME_MAX_LENGTH} characters`);
  }
  return name;
}

/** The service `add` declares; every problem with the flags at once. */
export function serviceFromFlags(name: string, command: string[], flags: ServiceFlags): SpriteService {
  const problems: string[] = [];
  if (command.length === 0) problems.push("give the command after --, e.g. -- python3 -m http.server 8000");
  const port = flags.port === undefined ? undefined : Number(flags.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) problems.push(`--port "${flags.port}" is not a port (1-65535)`);
  const grace = flags.grace === undefined ? undefined : Number(flags.grace.replace(/s$/, ""));
  if (grace !== undefined && !(Number.isInteger(grace) && grace >= 1 && grace <= MAX_SERVICE_GRACE_SECONDS)) {
    problems.push(`--grace "${flags.grace}" is not a number of seconds from 1 to ${MAX_SERVICE_GRACE_SECONDS}`);
  }
  const signal = flags.stopSignal?.toUpperCase().replace(/^SIG/, "");
  const stopSignal = SERVICE_STOP_SIGNALS.find((s) => s === signal);
  if (flags.stopSignal !== undefined && !stopSignal) problems.push(`--stop-signal "${flags.stopSignal}" is not one of ${SERVICE_STOP_SIGNALS.join(", ")}`);
  const env = (flags.env ?? []).map((pair) => {
    const at = pair.indexOf("=");
    const key = at > 0 ? pair.slice(0, at) : "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) problems.push(`--env "${pair}" is not KEY=VALUE`);
    return { name: key, value: pair.slice(at + 1) };
  });
  for (const dep of flags.after ?? []) {
    if (!new RegExp(SERVICE_NAME_PATTERN).test(dep)) problems.push(`--after "${dep}" is not a service name`);
    if (dep === name) problems.push(`--after "${dep}": a service cannot come after itself`);
  }
  if (flags.user !== undefined && !/^[a-z_][-a-z0-9_.]*\$?$/.test(flags.user)) problems.push(`--user "${flags.user}" is not a user name`);
  if (problems.length > 0) throw usage(problems.join("; "), "see puck service --help");
  return {
    name,
    command,
    ...(flags.dir ? { dir: flags.dir } : {}),
    ...(flags.user ? { user: flags.user } : {}),
    ...(env.length ? { env } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(flags.after?.length ? { after: flags.after } : {}),
    ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
    ...(stopSignal ? { stopSignal } : {}),
  };
}

/**
 * The list after an action: add replaces a service of that name in place (or appends); remove drops
 * it; stop and start set `stopped`; restart stamps restartedAt (and starts a stopped one).
 */
export function changeServices(list: readonly SpriteService[], action: Exclude<ServiceAction, "list">, name: string, now: Date, added?: SpriteService): SpriteService[] {
  const at = list.findIndex((s) => s.name === name);
  if (action === "add") {
    if (at < 0 && list.length >= MAX_SERVICES) throw usage(`a Sprite has at most ${MAX_SERVICES} services`, "remove one first: puck service remove NAME SERVICE");
    return at < 0 ? [...list, added!] : list.map((s, i) => (i === at ? added! : s));
  }
  if (at < 0) throw new PuckError(`no service "${name}" in spec.services`, "see puck service list NAME (a service declared inside the Sprite is changed there: ~/.puck/services.d)", EXIT.failure);
  if (action === "remove") return list.filter((_, i) => i !== at);
  const { stopped: _stopped, ...running } = list[at]!;
  const next: SpriteService =
    action === "stop" ? { ...list[at]!, stopped: true } : action === "start" ? running : { ...running, restartedAt: now.toISOString().replace(/\.\d{3}Z$/, "Z") };
  return list.map((s, i) => (i === at ? next : s));
}

/** A list's rows: the spec's services, then the ones only the Sprite declares; state from the status. */
export function serviceRows(sprite: Sprite, now: Date): string[][] {
  const seen = new Map((sprite.status?.services ?? []).map((s) => [s.name, s]));
  const asleep = sprite.status?.phase !== "Active";
  const row = (name: string, command: string, s: ServiceStatus | undefined, declared: SpriteService | undefined) => [
    name,
    stateText(s, declared, asleep),
    String(s?.restarts ?? 0),
    s?.lastExit === undefined ? "-" : String(s.lastExit),
    s?.since ? ageSince(s.since, now) : "-",
    command,
  ];
  const rows = (sprite.spec.services ?? []).map((d) => row(d.name, `${d.port ? `:${d.port} ` : ""}${d.command.join(" ")}`, seen.get(d.name), d));
  const fromSpec = new Set((sprite.spec.services ?? []).map((d) => d.name));
  for (const s of sprite.status?.services ?? []) if (!fromSpec.has(s.name)) rows.push(row(s.name, "(~/.puck/services.d)", s, undefined));
  return rows;
}

export const SERVICE_HEADERS = ["SERVICE", "STATE", "RESTARTS", "LAST-EXIT", "SINCE", "COMMAND"];

function stateText(s: ServiceStatus | undefined, declared: SpriteService | undefined, asleep: boolean): string {
  if (declared?.stopped) return "stopped (by hand)";
  if (asleep) return s ? `${s.state} (before hibernation)` : "not started yet";
  if (!s) return "pending";
  return s.message && s.state !== "running" ? `${s.state}: ${s.message}` : s.state;
}
