import { describe, expect, it } from "vitest";
import { sealSession, sessionCookieHeader, sessionValid, SESSION_TTL_MS } from "./session-cookie.js";

const key = Buffer.alloc(32, 7);
const host = "3000-dev.sprites.example";
const now = 1_800_000_000_000;

describe("session cookie", () => {
  const value = sealSession(key, host, "uid-1", now + SESSION_TTL_MS);

  it("is valid for its host and Sprite until it expires", () => {
    expect(sessionValid(key, value, host, "uid-1", now)).toBe(true);
    expect(sessionValid(key, value, "3000-DEV.sprites.example", "uid-1", now)).toBe(true);
    expect(sessionValid(key, value, host, "uid-1", now + SESSION_TTL_MS)).toBe(false);
  });

  const refused: [string, () => boolean][] = [
    ["another Sprite's host", () => sessionValid(key, value, "3000-other.sprites.example", "uid-1", now)],
    ["another port of the same Sprite", () => sessionValid(key, value, "8080-dev.sprites.example", "uid-1", now)],
    ["a Sprite made again under the same name (another uid)", () => sessionValid(key, value, host, "uid-2", now)],
    ["another install's key", () => sessionValid(Buffer.alloc(32, 8), value, host, "uid-1", now)],
    ["a later expiry written in by hand", () => sessionValid(key, value.replace(/\.(\d+)\./, (_m, s: string) => `.${Number(s) + 9999}.`), host, "uid-1", now)],
    ["garbage", () => sessionValid(key, "v1.x.y", host, "uid-1", now)],
  ];
  it.each(refused)("is refused on %s", (_name, check) => expect(check()).toBe(false));

  it("is HttpOnly, SameSite=Lax, for the whole host, and Secure only under TLS", () => {
    expect(sessionCookieHeader("v", { secure: false })).toBe("puck_session=v; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax");
    expect(sessionCookieHeader("v", { secure: true })).toMatch(/; Secure$/);
  });
});
