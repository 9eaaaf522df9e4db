// SpriteToken: how someone who may reach a Sprite with their kubeconfig lets a browser or an API
// client through the Sprite's private URLs. Creating a SpriteToken in the Sprite's namespace is the
// authority (RBAC decides who may, as it decides who may exec into a Sprite); the object holds only
// the SHA-256 of the secret, and the credential handed out is `puck_NAME_SECRET`, so the gateway
// finds the object by name and compares hashes. A code is single-use (the gateway deletes it as it
// trades it for a cookie) and short-lived; a token lasts until it expires or is deleted (revoked).
import type { ObjectMeta } from "../../kube/client.js";
import type { ResourceType } from "../../kube/paths.js";
import type { API_VERSION } from "./group.js";
import { GROUP, VERSION } from "./group.js";
import { dateTime, enumOf, integer, object, string, type TypeOf } from "./schema-dsl.js";

// node:crypto is fetched when first used, not imported: this module is part of the API every
// program loads, and loading crypto cost every `puck` command about 11 ms (a tenth of `puck list`).
const crypto = () => process.getBuiltinModule("node:crypto");

export const TOKEN_KIND = "SpriteToken";
export const TOKEN_PLURAL = "spritetokens";
export const TOKEN_SINGULAR = "spritetoken";
export const TOKEN_CRD_NAME = `${TOKEN_PLURAL}.${GROUP}`;
export const SPRITE_TOKENS: ResourceType = { group: GROUP, version: VERSION, plural: TOKEN_PLURAL };

export const TOKEN_PURPOSES = ["code", "token"] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

/** A code only has to last from `puck open` to the browser's first request. */
export const CODE_TTL_SECONDS = 60;
export const DEFAULT_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

const NAME_PATTERN = /^(code|token)-[a-z0-9]{10}$/;

export const spriteTokenSpecSchema = object(
  {
    sprite: string({ description: "The Sprite whose private URLs this lets through (in this namespace).", minLength: 1, maxLength: 63 }),
    port: integer({ description: "The one port it lets through; every port of the Sprite when unset.", minimum: 1, maximum: 65535 }),
    purpose: enumOf(TOKEN_PURPOSES, { description: "code: single-use, traded by a browser for a cookie (puck open); token: for API clients (puck url --token), until it expires or is deleted." }),
    sha256: string({ description: "Hex SHA-256 of the secret; the secret itself is never stored.", pattern: "^[0-9a-f]{64}$" }),
    expiresAt: dateTime("After this time it lets nothing through."),
    description: string({ description: "Who made it and why, for people listing tokens.", maxLength: 256 }),
  },
  { required: ["sprite", "purpose", "sha256", "expiresAt"] },
);

export const spriteTokenSchema = object(
  { apiVersion: string(), kind: string(), metadata: object({}), spec: spriteTokenSpecSchema },
  {
    required: ["spec"],
    "x-kubernetes-validations": [{ rule: "self.spec == oldSelf.spec", message: "a SpriteToken cannot be changed: delete it and make another" }],
  },
);

export type SpriteTokenSpec = TypeOf<typeof spriteTokenSpecSchema>;
export interface SpriteToken {
  apiVersion: typeof API_VERSION;
  kind: typeof TOKEN_KIND;
  metadata: ObjectMeta;
  spec: SpriteTokenSpec;
}

const PREFIX = "puck_";

/** A new credential: the object's name, its secret, and the string handed to the user. */
export function newCredential(purpose: TokenPurpose, random: (n: number) => Buffer = (n) => crypto().randomBytes(n)) {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const name = `${purpose}-${[...random(10)].map((b) => alphabet[b % alphabet.length]).join("")}`;
  const secret = random(32).toString("base64url");
  return { name, secret, credential: `${PREFIX}${name}_${secret}`, sha256: sha256Hex(secret) };
}

export const sha256Hex = (secret: string) => crypto().createHash("sha256").update(secret).digest("hex");

/** The object name and secret of a credential, or undefined for anything that is not one. */
export function parseCredential(value: string): { name: string; secret: string } | undefined {
  if (!value.startsWith(PREFIX)) return undefined;
  const rest = value.slice(PREFIX.length);
  const at = rest.indexOf("_");
  if (at < 0) return undefined;
  const name = rest.slice(0, at);
  const secret = rest.slice(at + 1);
  if (!NAME_PATTERN.test(name) || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return undefined;
  return { name, secret };
}

export const isCredential = (value: string) => parseCredential(value) !== undefined;

export type TokenVerdict = { ok: true } | { ok: false; why: "wrong-secret" | "expired" | "other-sprite" | "other-port" | "wrong-purpose" };

/** Whether `token` lets `secret` through to `port` of Sprite `sprite` for `purpose`, at `now`. */
export function checkToken(token: SpriteToken, secret: string, want: { sprite: string; port: number; purpose: TokenPurpose }, now: Date): TokenVerdict {
  const expected = Buffer.from(token.spec.sha256, "hex");
  const offered = Buffer.from(sha256Hex(secret), "hex");
  if (expected.length !== offered.length || !crypto().timingSafeEqual(expected, offered)) return { ok: false, why: "wrong-secret" };
  if (token.spec.purpose !== want.purpose) return { ok: false, why: "wrong-purpose" };
  if (token.spec.sprite !== want.sprite) return { ok: false, why: "other-sprite" };
  if (token.spec.port !== undefined && token.spec.port !== want.port) return { ok: false, why: "other-port" };
  if (Date.parse(token.spec.expiresAt) <= now.getTime()) return { ok: false, why: "expired" };
  return { ok: true };
}
