// Puck's credentials in a request, and the request without them: the cookie puck_session, a token
// (`puck_…`) as a Bearer or as basic auth's password (git), and a code from `puck open` in the query
// (puck_code=). The app behind the URL never sees any of them; its own cookies and Authorization
// pass through untouched.
import { isCredential } from "../../operator/api/access-token.js";
import { SESSION_COOKIE } from "./session-cookie.js";

export const CODE_PARAM = "puck_code";

export interface CredentialHeaders {
  cookie?: string | undefined;
  authorization?: string | undefined;
}

export interface Offered {
  /** Values of every puck_session cookie sent (a parent domain's cookie may shadow ours). */
  sessions: string[];
  /** A `puck_…` token from Authorization. */
  token?: string;
  /** The puck_code query parameter, decoded. */
  code?: string;
}

const cookiePairs = (cookie: string | undefined) =>
  (cookie ?? "").split(";").map((pair) => pair.trim()).filter((pair) => pair.length > 0);

const cookieName = (pair: string) => pair.slice(0, Math.max(0, pair.indexOf("=")) || pair.length).trim();

/** The `puck_…` token Authorization carries (Bearer, or basic auth's password), if any. */
function tokenIn(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^(\S+)\s+(\S+)\s*$/.exec(authorization);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  if (scheme === "bearer") return isCredential(match[2]!) ? match[2] : undefined;
  if (scheme !== "basic") return undefined;
  const decoded = Buffer.from(match[2]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const password = colon < 0 ? "" : decoded.slice(colon + 1);
  return isCredential(password) ? password : undefined;
}

/** The query's parameters, raw, and which of them is the code. */
function splitQuery(url: string): { path: string; params: string[] } {
  const at = url.indexOf("?");
  if (at < 0) return { path: url, params: [] };
  return { path: url.slice(0, at), params: url.slice(at + 1).split("&") };
}

function paramName(param: string): string {
  const raw = param.split("=", 1)[0]!;
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return raw;
  }
}

function paramValue(param: string): string {
  const at = param.indexOf("=");
  const raw = at < 0 ? "" : param.slice(at + 1);
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return raw;
  }
}

export function findCredentials(headers: CredentialHeaders, url: string): Offered {
  const sessions = cookiePairs(headers.cookie)
    .filter((pair) => cookieName(pair) === SESSION_COOKIE)
    .map((pair) => pair.slice(pair.indexOf("=") + 1).trim());
  const token = tokenIn(headers.authorization);
  const code = splitQuery(url).params.find((param) => paramName(param) === CODE_PARAM);
  return { sessions, ...(token ? { token } : {}), ...(code !== undefined ? { code: paramValue(code) } : {}) };
}

/** The URL without the puck_code parameter; the rest of the query as it was, byte for byte. */
export function withoutCode(url: string): string {
  const { path, params } = splitQuery(url);
  const kept = params.filter((param) => paramName(param) !== CODE_PARAM);
  if (kept.length === params.length) return url;
  return kept.length > 0 ? `${path}?${kept.join("&")}` : path;
}

/**
 * What to forward instead: the Cookie without puck_session (undefined when nothing is left), the
 * Authorization unless it carries a Puck token, and the URL without the code.
 */
export function stripCredentials(headers: CredentialHeaders, url: string): { cookie: string | undefined; authorization: string | undefined; url: string } {
  const cookies = cookiePairs(headers.cookie).filter((pair) => cookieName(pair) !== SESSION_COOKIE);
  return {
    cookie: cookies.length > 0 ? cookies.join("; ") : undefined,
    authorization: tokenIn(headers.authorization) ? undefined : headers.authorization,
    url: withoutCode(url),
  };
}
