// `puck url NAME [PORT]`: a Sprite's URLs; with --add/--remove its HTTP ports (spec.http), with
// --token a token for API clients, with --tokens and --revoke the tokens there are.
import { hostname, userInfo } from "node:os";
import { DEFAULT_TOKEN_TTL_SECONDS } from "../../operator/api/index.js";
import { parseDuration } from "../duration.js";
import { EXIT, PuckError } from "../errors.js";
import type { Io } from "../io.js";
import { createOutput } from "../output.js";
import { createToken, deleteToken, listTokens, sweepExpired } from "../sprite-tokens.js";
import { getSprite, updateSpec, type Target } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";
import { TOKEN_HEADERS, URL_HEADERS, changeHttpPorts, choosePort, parsePortArgument, tokenRows, urlOf, urlRows } from "../url-spec.js";

export type UrlFlags = {
  add?: boolean | undefined;
  remove?: boolean | undefined;
  public?: boolean | undefined;
  private?: boolean | undefined;
  token?: boolean | undefined;
  expires?: string | undefined;
  tokens?: boolean | undefined;
  revoke?: string | undefined;
};

type Mode = "show" | "add" | "remove" | "token" | "tokens" | "revoke";

const MAX_TOKEN_TTL_MS = 366 * 86_400_000;

/** The one thing the flags ask for; --public/--private alone mean --add. */
export function urlMode(options: UrlFlags): Mode {
  if (options.public && options.private) throw new PuckError("give --public or --private, not both", "e.g. puck url dev 3000 --add --public", EXIT.usage);
  const modes: Mode[] = [];
  if (options.add || ((options.public || options.private) && !options.remove)) modes.push("add");
  if (options.remove) modes.push("remove");
  if (options.token) modes.push("token");
  if (options.tokens) modes.push("tokens");
  if (options.revoke !== undefined) modes.push("revoke");
  if (modes.length > 1) throw new PuckError(`--${modes.join(" and --")} cannot be combined`, "run one at a time (puck url --help)", EXIT.usage);
  if (options.expires !== undefined && modes[0] !== "token") throw new PuckError("--expires only applies with --token", "e.g. puck url dev 3000 --token --expires 7d", EXIT.usage);
  return modes[0] ?? "show";
}

export function tokenTtlSeconds(expires: string | undefined): number {
  if (expires === undefined) return DEFAULT_TOKEN_TTL_SECONDS;
  const ms = parseDuration(expires);
  if (ms === undefined || ms < 60_000 || ms > MAX_TOKEN_TTL_MS) throw new PuckError(`--expires "${expires}" is not a duration between 1m and 366d`, "use e.g. 12h, 7d or 90d", EXIT.usage);
  return Math.round(ms / 1000);
}

export async function url([name, portArg]: string[], options: TargetOptions & UrlFlags, io: Io): Promise<number> {
  const mode = urlMode(options);
  const ttl = mode === "token" ? tokenTtlSeconds(options.expires) : 0;
  if ((mode === "add" || mode === "remove") && portArg === undefined) throw new PuckError(`--${mode} needs a port`, `e.g. puck url ${name} 3000 --${mode}`, EXIT.usage);
  const port = portArg !== undefined && (mode === "add" || mode === "remove") ? parsePortArgument(portArg) : undefined;
  const target = await openTarget(options, io);
  const out = createOutput(io);
  const sprite = await getSprite(target, name!);
  switch (mode) {
    case "show": {
      if (portArg !== undefined) {
        out.line(urlOf(sprite, choosePort(sprite, portArg)));
        return 0;
      }
      const rows = urlRows(sprite);
      if (rows.length === 0) out.note(`Sprite ${name} serves no port over HTTP: puck url ${name} PORT --add [--public]`);
      else out.table(URL_HEADERS, rows);
      return 0;
    }
    case "add":
    case "remove": {
      const change = mode === "add" ? { add: port!, ...(options.public ? { public: true } : options.private ? { public: false } : {}) } : { remove: port! };
      const updated = await updateSpec(target, name!, (current) => ({ http: changeHttpPorts(current.spec.http ?? [], change) }), sprite);
      if (mode === "remove") {
        out.success(`Sprite ${name} no longer serves port ${port} over HTTP; its URL answers as for an unknown Sprite`);
        return 0;
      }
      const entry = updated.spec.http?.find((p) => p.port === port);
      const access = entry?.public ? "public: anyone with the URL may open it" : `private: \`puck open ${name} ${port}\` signs your browser in`;
      out.success(`Sprite ${name} serves port ${port} over HTTP (${access})`);
      const written = await waitForUrl(target, name!, port!, io.now);
      if (written?.url) out.line(written.url);
      else if (written?.message) out.warn(`No URL yet: ${written.message}`);
      else out.note(`Its URL appears in \`puck url ${name}\` once the operator writes it.`);
      return 0;
    }
    case "token": {
      const chosen = choosePort(sprite, portArg);
      const address = urlOf(sprite, chosen);
      await sweepExpired(target, name!, io.now());
      const made = await createToken(target, sprite, { purpose: "token", port: chosen, ttlSeconds: ttl, description: `puck url --token by ${who()}` }, io.now());
      // The token alone on stdout, for TOKEN=$(puck url dev 3000 --token); the rest is for people.
      out.line(made.credential);
      out.note(`Token ${made.name} for ${address} (port ${chosen} of Sprite ${name}), valid until ${made.expiresAt}. Send it as \`Authorization: Bearer TOKEN\` (or as the password of basic auth); revoke it with \`puck url ${name} --revoke ${made.name}\`.`);
      return 0;
    }
    case "tokens": {
      const tokens = await listTokens(target, name!);
      if (tokens.length === 0) out.note(`Sprite ${name} has no tokens: puck url ${name} PORT --token makes one`);
      else out.table(TOKEN_HEADERS, tokenRows(tokens, io.now()));
      return 0;
    }
    case "revoke": {
      await deleteToken(target, name!, options.revoke!);
      out.success(`Token ${options.revoke} of Sprite ${name} revoked: it lets nothing through any more`);
      return 0;
    }
  }
}

const who = () => {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return hostname();
  }
};

/** The operator writes the URL within a reconcile: wait a few seconds for it, then let the user look later. */
async function waitForUrl(target: Target, name: string, port: number, now: () => Date) {
  const deadline = now().getTime() + 10_000;
  for (;;) {
    const entry = (await getSprite(target, name)).status?.http?.find((h) => h.port === port);
    if (entry?.url || entry?.message || now().getTime() >= deadline) return entry;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
