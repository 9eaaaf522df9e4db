import { describe, expect, it } from "vitest";
import { API_VERSION } from "./group.js";
import { checkToken, newCredential, parseCredential, TOKEN_KIND, type SpriteToken } from "./access-token.js";

const token = (sha256: string, spec: Partial<SpriteToken["spec"]> = {}): SpriteToken => ({
  apiVersion: API_VERSION,
  kind: TOKEN_KIND,
  metadata: { name: "token-abcdefghij" },
  spec: { sprite: "dev", purpose: "token", sha256, expiresAt: "2026-12-08T00:00:00Z", ...spec },
});
const now = new Date("2026-12-07T12:00:00Z");

describe("credentials", () => {
  it("hands out puck_NAME_SECRET, which parses back to the object name and secret", () => {
    const made = newCredential("code");
    expect(made.name).toMatch(/^code-[a-z0-9]{10}$/);
    expect(parseCredential(made.credential)).toEqual({ name: made.name, secret: made.secret });
  });
  it("does not take anything else for a credential", () => {
    for (const value of ["", "puck_", "Bearer x", "puck_code-abc_short", "puck_other-abcdefghij_" + "a".repeat(43)]) expect(parseCredential(value), value).toBeUndefined();
  });
});

describe("checkToken", () => {
  const made = newCredential("token");
  it("lets the secret through to its Sprite until it expires", () => {
    expect(checkToken(token(made.sha256), made.secret, { sprite: "dev", port: 3000, purpose: "token" }, now)).toEqual({ ok: true });
    expect(checkToken(token(made.sha256), made.secret, { sprite: "dev", port: 3000, purpose: "token" }, new Date("2026-12-08T00:00:00Z"))).toEqual({ ok: false, why: "expired" });
  });
  it("refuses another secret, another Sprite, another port, another purpose", () => {
    const want = { sprite: "dev", port: 3000, purpose: "token" as const };
    expect(checkToken(token(made.sha256), newCredential("token").secret, want, now)).toEqual({ ok: false, why: "wrong-secret" });
    expect(checkToken(token(made.sha256, { sprite: "prod" }), made.secret, want, now)).toEqual({ ok: false, why: "other-sprite" });
    expect(checkToken(token(made.sha256, { port: 8080 }), made.secret, want, now)).toEqual({ ok: false, why: "other-port" });
    expect(checkToken(token(made.sha256, { purpose: "code" }), made.secret, want, now)).toEqual({ ok: false, why: "wrong-purpose" });
  });
});
