import { describe, expect, it } from "vitest";
import { newCredential, type SpriteToken, type TokenPurpose } from "../../operator/api/access-token.js";
import { decideAccess } from "./access.js";
import { sealSession } from "./session-cookie.js";
import type { UrlBackend, UrlSprite } from "./url-backend.js";

const now = Date.parse("2026-01-01T12:00:00Z");
const key = Buffer.alloc(32, 3);
const DOMAIN = "sprites.example";
const dev: UrlSprite = { uid: "u1", http: [{ port: 3000 }, { port: 8080, public: true }], servicePorts: [], state: "awake" };

function world(tokens: SpriteToken[] = []) {
  const consumed: string[] = [];
  const backend = {
    sprite: async (ref: { name: string }) => (ref.name === "dev" ? dev : undefined),
    token: async (_ns: string, name: string) => tokens.find((t) => t.metadata.name === name),
    consumeCode: async (t: SpriteToken) => {
      if (consumed.includes(t.metadata.name)) return false;
      consumed.push(t.metadata.name);
      return true;
    },
  } as unknown as UrlBackend;
  return { deps: { backend, domain: DOMAIN, key, now: () => now }, consumed };
}

function token(purpose: TokenPurpose, spec: Partial<SpriteToken["spec"]> = {}) {
  const made = newCredential(purpose);
  const object: SpriteToken = {
    apiVersion: "puck.sandwich.labs/v1alpha1" as SpriteToken["apiVersion"], kind: "SpriteToken",
    metadata: { name: made.name, namespace: "default" },
    spec: { sprite: "dev", purpose, sha256: made.sha256, expiresAt: new Date(now + 60_000).toISOString(), ...spec },
  };
  return { object, credential: made.credential };
}

const request = (host: string, offered = {}, navigate = false) => ({ host, offered: { sessions: [], ...offered }, navigate, secure: false });

describe("decideAccess", () => {
  it("lets anyone through to a public port", async () => {
    expect(await decideAccess(world().deps, request(`8080-dev.${DOMAIN}`))).toMatchObject({ result: "pass", how: "public" });
  });

  it("refuses alike a wrong host, an unknown Sprite, and a private port without credentials", async () => {
    const { deps } = world();
    for (const host of ["example.org", `3000-nope.${DOMAIN}`, `3000-dev.${DOMAIN}`, `9999-dev.${DOMAIN}`]) {
      expect((await decideAccess(deps, request(host))).result).toBe("refused");
    }
  });

  it("lets a valid session cookie for this host through, and not another host's", async () => {
    const value = sealSession(key, `3000-dev.${DOMAIN}`, "u1", now + 1000);
    expect(await decideAccess(world().deps, request(`3000-dev.${DOMAIN}:8080`, { sessions: ["junk", value] }))).toMatchObject({ result: "pass", how: "cookie" });
    const other = sealSession(key, `3001-dev.${DOMAIN}`, "u1", now + 1000);
    expect((await decideAccess(world().deps, request(`3000-dev.${DOMAIN}`, { sessions: [other] }))).result).toBe("refused");
  });

  it("lets a token through to its port only", async () => {
    const t = token("token", { port: 3000 });
    const { deps } = world([t.object]);
    expect(await decideAccess(deps, request(`3000-dev.${DOMAIN}`, { token: t.credential }))).toMatchObject({ result: "pass", how: "token" });
    expect(await decideAccess(deps, request(`3000-dev.${DOMAIN}`, { token: t.credential.slice(0, -2) + "xx" }))).toMatchObject({ result: "refused", reason: "token refused: wrong-secret" });
  });

  it("trades a code on a page load once, for a cookie; the same code again is refused as used", async () => {
    const t = token("code");
    const { deps, consumed } = world([t.object]);
    const first = await decideAccess(deps, request(`3000-dev.${DOMAIN}`, { code: t.credential }, true));
    expect(first).toMatchObject({ result: "signed-in" });
    expect(consumed).toEqual([t.object.metadata.name]);
    expect(await decideAccess(deps, request(`3000-dev.${DOMAIN}`, { code: t.credential }, true))).toMatchObject({ result: "refused", codeRefused: true, reason: "code already used" });
  });

  it("does not trade a code outside a page load", async () => {
    const t = token("code");
    const { deps, consumed } = world([t.object]);
    expect((await decideAccess(deps, request(`3000-dev.${DOMAIN}`, { code: t.credential }, false))).result).toBe("refused");
    expect(consumed).toEqual([]);
  });

  it("tells a valid token's holder that a port is not served", async () => {
    const t = token("token");
    expect(await decideAccess(world([t.object]).deps, request(`9999-dev.${DOMAIN}`, { token: t.credential }))).toMatchObject({ result: "not-served" });
  });
});
