// What `puck create --http`, `puck url` and `puck open` decide before any call: the ports given, the
// change to spec.http, which port a command means, and the rows and words that show URLs.
import { MAX_HTTP_PORTS, type HttpPort, type HttpRequest, type Sprite, type SpriteToken } from "../operator/api/index.js";
import { ageSince, timeUntil } from "./duration.js";
import { EXIT, PuckError } from "./errors.js";

/** `--http 3000`, `--http 8080:public`, `--http 3000:private`: a port and whether anyone may open it. */
export function parseHttpFlag(text: string): HttpPort | undefined {
  const match = /^(\d{1,5})(?::(public|private))?$/.exec(text.trim());
  const port = Number(match?.[1]);
  if (!match || port < 1 || port > 65535) return undefined;
  return match[2] === "public" ? { port, public: true } : { port };
}

export const HTTP_FLAG_HINT = "use PORT or PORT:public, e.g. --http 3000 --http 8080:public";

/** A port argument (1-65535), or a usage error naming it. */
export function parsePortArgument(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new PuckError(`"${text}" is not a port`, "give a TCP port between 1 and 65535, e.g. 3000", EXIT.usage);
  return port;
}

/**
 * spec.http after declaring `port` (private unless `public` says otherwise; an existing port keeps
 * its access unless told) or removing it. Order is kept: the first port is `puck open`'s default.
 */
export function changeHttpPorts(list: readonly HttpPort[], change: { add: number; public?: boolean } | { remove: number }): HttpPort[] {
  if ("remove" in change) {
    if (!list.some((p) => p.port === change.remove)) throw new PuckError(`the Sprite serves no port ${change.remove}`, "puck url NAME lists its ports", EXIT.usage);
    return list.filter((p) => p.port !== change.remove);
  }
  const existing = list.find((p) => p.port === change.add);
  const isPublic = change.public ?? existing?.public ?? false;
  const entry: HttpPort = isPublic ? { port: change.add, public: true } : { port: change.add };
  if (existing) return list.map((p) => (p.port === change.add ? entry : p));
  if (list.length >= MAX_HTTP_PORTS) throw new PuckError(`a Sprite serves at most ${MAX_HTTP_PORTS} ports over HTTP`, "remove one first: puck url NAME PORT --remove", EXIT.usage);
  return [...list, entry];
}

/** The port a command means: the one given, else the Sprite's only one. */
export function choosePort(sprite: Sprite, given: string | undefined): number {
  const name = sprite.metadata.name;
  const ports = (sprite.spec.http ?? []).map((p) => p.port);
  if (given !== undefined) {
    const port = parsePortArgument(given);
    if (!ports.includes(port)) throw new PuckError(`Sprite ${name} does not serve port ${port} over HTTP`, `declare it first: puck url ${name} ${port} --add [--public]`, EXIT.usage);
    return port;
  }
  if (ports.length === 1) return ports[0]!;
  if (ports.length === 0) throw new PuckError(`Sprite ${name} serves no port over HTTP`, `declare one: puck url ${name} PORT --add [--public]`, EXIT.usage);
  throw new PuckError(`Sprite ${name} serves ${ports.length} ports over HTTP (${ports.join(", ")})`, `name one: puck open ${name} ${ports[0]}`, EXIT.usage);
}

/** The URL of a port as the operator wrote it, or a failure that says why there is none. */
export function urlOf(sprite: Sprite, port: number): string {
  const entry = sprite.status?.http?.find((h) => h.port === port);
  if (entry?.url) return entry.url;
  const name = sprite.metadata.name;
  if (entry?.message) throw new PuckError(`port ${port} of Sprite ${name} has no URL: ${entry.message.replace(/^No URL: /, "")}`, undefined, EXIT.failure);
  throw new PuckError(`port ${port} of Sprite ${name} has no URL yet`, "the operator writes it within seconds: run the command again (is the operator running? puck version)", EXIT.failure);
}

export const URL_HEADERS = ["PORT", "ACCESS", "URL"];

/** One row per declared port: its access and its URL, or why it has none. */
export function urlRows(sprite: Sprite): string[][] {
  return (sprite.spec.http ?? []).map((p) => {
    const entry = sprite.status?.http?.find((h) => h.port === p.port);
    return [String(p.port), p.public ? "public" : "private", entry?.url ?? (entry?.message ? `- (${entry.message})` : "- (not written yet)")];
  });
}

/** `puck list -o wide`'s URLS cell: the first URL, and how many more. */
export function urlCell(sprite: Sprite): string {
  const urls = (sprite.status?.http ?? []).flatMap((h) => (h.url ? [h.url] : []));
  if (urls.length === 0) return (sprite.spec.http?.length ?? 0) > 0 ? "<none>" : "-";
  return urls.length === 1 ? urls[0]! : `${urls[0]} +${urls.length - 1}`;
}

/** "GET /api 20s ago (port 3000)": the last request through a URL, as describe and top show it. */
export const httpRequestSummary = (request: HttpRequest, now: Date) =>
  `${request.method ?? "?"} ${request.path ?? "/"} ${request.time ? `${ageSince(request.time, now)} ago` : ""}${request.port ? ` (port ${request.port})` : ""}`.replace(/ +/g, " ").trim();

export const TOKEN_HEADERS = ["NAME", "PORT", "PURPOSE", "EXPIRES", "DESCRIPTION"];

export function tokenRows(tokens: readonly SpriteToken[], now: Date): string[][] {
  return tokens.map((t) => {
    const left = timeUntil(t.spec.expiresAt, now);
    return [t.metadata.name, t.spec.port !== undefined ? String(t.spec.port) : "all", t.spec.purpose, left === "now" ? "expired" : `in ${left}`, t.spec.description ?? ""];
  });
}
