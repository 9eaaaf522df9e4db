// The browser's sign-in for one Sprite URL: the cookie `puck_session` the gateway sets when it
// trades a code from `puck open`. It is an HMAC-SHA256 over the exact host, the Sprite's uid and an
// expiry, under the install's URL key (Secret puck-gateway-url-key): no state on the server, valid
// on every replica, and useless on another Sprite's host, or on a Sprite deleted and made again
// under the same name. Host-only (no Domain): a browser sends it to that one host.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "puck_session";
export const SESSION_TTL_MS = 12 * 3600 * 1000;
/** The key's length: as long as the hash. */
export const URL_KEY_BYTES = 32;

export const newUrlKey = () => randomBytes(URL_KEY_BYTES);

const VERSION = "v1";

const mac = (key: Buffer, host: string, spriteUid: string, expiresSec: number) =>
  createHmac("sha256", key).update(`${VERSION}|${host.toLowerCase()}|${spriteUid}|${expiresSec}`).digest("base64url");

/** The cookie's value for `host`, lasting until `expiresMs`. */
export function sealSession(key: Buffer, host: string, spriteUid: string, expiresMs: number): string {
  const expiresSec = Math.floor(expiresMs / 1000);
  return `${VERSION}.${expiresSec}.${mac(key, host, spriteUid, expiresSec)}`;
}

/** Whether `value` is a cookie this key made for `host` and this Sprite, not yet expired at `nowMs`. */
export function sessionValid(key: Buffer, value: string, host: string, spriteUid: string, nowMs: number): boolean {
  const parts = value.split(".");
  if (parts.length !== 3 || parts[0] !== VERSION || !/^\d{1,12}$/.test(parts[1]!)) return false;
  const expiresSec = Number(parts[1]);
  if (expiresSec * 1000 <= nowMs) return false;
  const expected = Buffer.from(mac(key, host, spriteUid, expiresSec));
  const offered = Buffer.from(parts[2]!);
  return expected.length === offered.length && timingSafeEqual(expected, offered);
}

/**
 * The Set-Cookie header: HttpOnly (no script reads it), SameSite=Lax (another site's forms and
 * scripts do not carry it; a link followed to the URL does), Secure once the URL is served over TLS.
 */
export function sessionCookieHeader(value: string, options: { secure: boolean; maxAgeMs?: number }): string {
  const maxAge = Math.floor((options.maxAgeMs ?? SESSION_TTL_MS) / 1000);
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${options.secure ? "; Secure" : ""}`;
}
