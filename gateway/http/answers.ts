// Every answer the gateway itself gives on a URL, in `puck connect`'s words: a small HTML page for
// a browser's page load, one plain-text line for anything else. Pure: the server sends them.
import { DEFAULT_URL_NAMESPACE, type UrlTarget } from "../../operator/api/http.js";

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type AnswerCase =
  /** No credentials, wrong ones, an unknown Sprite, a wrong host, an undeclared port: one answer. */
  | { kind: "sign-in"; target: UrlTarget | undefined; codeRefused?: boolean }
  /** A page load while the Sprite wakes: the page reloads itself every second. */
  | { kind: "waking"; target: UrlTarget; elapsedMs: number; step?: string }
  /** A request that does not wake (a page's background request, a browser's WebSocket) on a hibernated Sprite. */
  | { kind: "asleep"; target: UrlTarget }
  /** A held request whose port did not answer within the bound. */
  | { kind: "timed-out"; target: UrlTarget; seconds: number }
  | { kind: "cannot-start"; target: UrlTarget; reason: string }
  | { kind: "nothing-listens"; target: UrlTarget }
  /** The Sprite serves no URL on this port: told only to someone with credentials for it. */
  | { kind: "not-served"; target: UrlTarget }
  /** The connection to the port failed another way (the pod went away mid-request). */
  | { kind: "failed"; target: UrlTarget }
  | { kind: "too-many-failures"; retryAfterSeconds: number }
  /** The cluster did not answer the gateway. */
  | { kind: "unavailable" };

/** `puck` with the namespace flag a Sprite outside the default namespace needs. */
const puck = (t: UrlTarget) => (t.namespace === DEFAULT_URL_NAMESPACE ? "puck" : `puck -n ${t.namespace}`);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Said {
  status: number;
  line: string;
  retryAfter?: number;
  /** The page reloads itself after this many seconds. */
  refresh?: number;
  title?: string;
  headers?: Record<string, string>;
}

function say(c: AnswerCase, page: boolean): Said {
  switch (c.kind) {
    case "sign-in": {
      const t = c.target;
      const how = t
        ? `sign in with \`${puck(t)} open ${t.name} ${t.port}\` (a browser), or send a token from \`${puck(t)} url ${t.name} ${t.port} --token\` as "Authorization: Bearer TOKEN"`
        : "sign in with `puck open NAME PORT` (a browser), or send a token from `puck url NAME PORT --token` as \"Authorization: Bearer TOKEN\"";
      const why = c.codeRefused ? "this sign-in code is used up or expired: " : "";
      // git and other basic-auth clients ask for a password on this challenge: the token is one.
      return { status: 401, line: `puck: ${why}${how}.`, title: "Sign in", ...(page ? {} : { headers: { "www-authenticate": 'Basic realm="puck"' } }) };
    }
    case "waking":
      return {
        status: 503,
        line: `Waking ${c.target.name}… ${seconds(c.elapsedMs)}${c.step ? ` (${c.step})` : ""}`,
        retryAfter: 1,
        refresh: 1,
        title: `Waking ${c.target.name}`,
      };
    case "asleep":
      return { status: 503, line: `puck: Sprite ${c.target.name} is hibernating; only a page load or an API client wakes it, not a page's background request.`, retryAfter: 10, title: "Hibernating" };
    case "timed-out":
      return { status: 503, line: `puck: Sprite ${c.target.name} did not answer on port ${c.target.port} within ${c.seconds} s; try again.`, retryAfter: 10, title: "Not answering" };
    case "cannot-start":
      return { status: 503, line: `puck: Sprite ${c.target.name} cannot start: ${c.reason}`, title: "Cannot start" };
    case "nothing-listens":
      return {
        status: 502,
        line: `puck: nothing listens on port ${c.target.port} in Sprite ${c.target.name}. Processes don't survive hibernation: run the server as a service (\`${puck(c.target)} service add ${c.target.name} NAME --port ${c.target.port} -- COMMAND\`) and it starts at every wake.`,
        title: "Nothing listens",
      };
    case "not-served":
      return { status: 404, line: `puck: Sprite ${c.target.name} serves no URL on port ${c.target.port}: \`${puck(c.target)} url add ${c.target.name} ${c.target.port}\` adds one.`, title: "No URL" };
    case "failed":
      return { status: 502, line: `puck: the connection to port ${c.target.port} of Sprite ${c.target.name} failed before an answer; try again.`, retryAfter: 2, title: "Connection failed" };
    case "too-many-failures":
      return { status: 429, line: "puck: too many failed attempts from this address; wait a minute.", retryAfter: c.retryAfterSeconds, title: "Too many attempts" };
    case "unavailable":
      return { status: 503, line: "puck: the gateway could not reach the cluster; try again shortly.", retryAfter: 5, title: "Unavailable" };
  }
}

const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function answer(c: AnswerCase, page: boolean): Answer {
  const said = say(c, page);
  const headers: Record<string, string> = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...(said.retryAfter !== undefined ? { "retry-after": String(said.retryAfter) } : {}),
    ...said.headers,
  };
  if (!page) return { status: said.status, headers: { ...headers, "content-type": "text/plain; charset=utf-8" }, body: `${said.line}\n` };
  // No script: the waiting page reloads by meta refresh, which works with scripts off, and the
  // policy lets nothing run.
  const refresh = said.refresh !== undefined ? `<meta http-equiv="refresh" content="${said.refresh}">` : "";
  const body = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">${refresh}<title>${escape(said.title ?? "Puck")}</title>`
    + `<style>body{font:16px/1.5 system-ui,sans-serif;margin:20vh auto;max-width:40em;padding:0 1em;color:#222}code{background:#eee;padding:0 .2em}</style></head>`
    + `<body><p>${escape(said.line).replace(/`([^`]+)`/g, "<code>$1</code>")}</p></body></html>\n`;
  return {
    status: said.status,
    headers: { ...headers, "content-type": "text/html; charset=utf-8", "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'" },
    body,
  };
}

/** The reason of a WebSocket close frame holds at most 123 bytes: the line, cut on a character. */
export function closeReason(line: string): string {
  let out = "";
  for (const ch of line) {
    if (Buffer.byteLength(out + ch) > 123) break;
    out += ch;
  }
  return out;
}
