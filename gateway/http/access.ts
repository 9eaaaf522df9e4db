// Who may through a URL: the Sprite and port a Host names, and, for a private port, the credentials
// the request offers (a session cookie, a token, or on a page load a code to trade for a cookie).
// Every refusal is the same sign-in answer, whatever the reason, so nothing can be probed; the
// reason goes to the log only.
import { checkToken, parseCredential, type TokenPurpose } from "../../operator/api/access-token.js";
import { parseUrlHost, type UrlTarget } from "../../operator/api/http.js";
import type { SpriteRef } from "../../sprite-client/sprite-ref.js";
import type { Offered } from "./credentials.js";
import { sealSession, sessionCookieHeader, sessionValid, SESSION_TTL_MS } from "./session-cookie.js";
import type { UrlBackend, UrlSprite } from "./url-backend.js";

export type Access =
  /** Let through to the app. `how` is for the log. */
  | { result: "pass"; target: UrlTarget; ref: SpriteRef; sprite: UrlSprite; how: "public" | "cookie" | "token" }
  /** A code traded: set the cookie and send the browser to the URL without the code. */
  | { result: "signed-in"; target: UrlTarget; setCookie: string }
  /** Credentials for the Sprite, but it serves no URL on the port. */
  | { result: "not-served"; target: UrlTarget }
  /** The sign-in answer; `failed` counts against the client's address. */
  | { result: "refused"; target: UrlTarget | undefined; codeRefused: boolean; reason: string };

export interface AccessRequest {
  host: string;
  offered: Offered;
  /** Only a page load trades a code. */
  navigate: boolean;
  /** The cookie gets Secure. */
  secure: boolean;
}

export interface AccessDeps {
  backend: UrlBackend;
  domain: string;
  key: Buffer;
  now: () => number;
}

/** The host a cookie is bound to: as parseUrlHost reads it, without port and case. */
export const bareHost = (host: string) => host.trim().toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");

type Checked = { ok: true } | { ok: false; why: string };

async function checkCredential(deps: AccessDeps, credential: string, target: UrlTarget, purpose: TokenPurpose) {
  const parsed = parseCredential(credential);
  if (!parsed) return { verdict: { ok: false, why: "malformed" } as Checked };
  const token = await deps.backend.token(target.namespace, parsed.name);
  if (!token) return { verdict: { ok: false, why: "no such token" } as Checked };
  const verdict = checkToken(token, parsed.secret, { sprite: target.name, port: target.port, purpose }, new Date(deps.now()));
  return { verdict: verdict.ok ? ({ ok: true } as Checked) : ({ ok: false, why: verdict.why } as Checked), token };
}

export async function decideAccess(deps: AccessDeps, request: AccessRequest): Promise<Access> {
  const target = parseUrlHost(request.host, deps.domain);
  const codeOffered = request.navigate && request.offered.code !== undefined;
  const refused = (reason: string, t: UrlTarget | undefined = target): Access => ({ result: "refused", target: t, codeRefused: codeOffered, reason });
  if (!target) return refused("not a Sprite URL");
  const ref = { namespace: target.namespace, name: target.name };
  const sprite = await deps.backend.sprite(ref);
  if (!sprite) return refused("no such Sprite");
  const served = sprite.http.find((p) => p.port === target.port);
  if (served?.public) return { result: "pass", target, ref, sprite, how: "public" };

  const host = bareHost(request.host);
  const nowMs = deps.now();
  let how: "cookie" | "token" | undefined;
  if (request.offered.sessions.some((value) => sessionValid(deps.key, value, host, sprite.uid, nowMs))) how = "cookie";
  let reason = request.offered.sessions.length > 0 ? "session cookie not valid here" : "no credentials";
  if (!how && request.offered.token) {
    const { verdict } = await checkCredential(deps, request.offered.token, target, "token");
    if (verdict.ok) how = "token";
    else reason = `token refused: ${verdict.why}`;
  }
  if (!how && codeOffered) {
    const { verdict, token } = await checkCredential(deps, request.offered.code!, target, "code");
    if (!verdict.ok || !token) return refused(`code refused: ${verdict.ok ? "no token" : verdict.why}`);
    // Used once, even when two replicas see it at the same time: only one delete succeeds.
    if (!(await deps.backend.consumeCode(token))) return refused("code already used");
    if (!served) return { result: "not-served", target };
    const value = sealSession(deps.key, host, sprite.uid, nowMs + SESSION_TTL_MS);
    return { result: "signed-in", target, setCookie: sessionCookieHeader(value, { secure: request.secure }) };
  }
  if (!how) return refused(reason);
  if (!served) return { result: "not-served", target };
  return { result: "pass", target, ref, sprite, how };
}
