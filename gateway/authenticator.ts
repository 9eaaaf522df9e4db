// Decides one SSH authentication attempt: public keys only, checked against the named Sprite's
// spec.authorizedKeys. An unknown Sprite, an invalid user name and a key that is not authorized
// all get the same refusal, so nothing about which Sprites exist can be learnt from outside.
import ssh2 from "ssh2";
import type { AuthContext } from "ssh2";
import { acceptableSignature } from "./algorithms.js";
import { findKey, fingerprint, parseAuthorizedKeys, type AuthorizedKey, type UnusableKeyLine } from "./authorized-keys.js";
import type { SpriteBackend } from "./backend.js";
import { spriteForUser, type SpriteRef } from "../sprite-client/sprite-ref.js";

const { utils } = ssh2;

export interface Authenticated {
  sprite: SpriteRef;
  key: AuthorizedKey;
}

export type AttemptOutcome =
  /** Authenticated: the connection may open channels. */
  | { result: "accepted"; who: Authenticated }
  /** The offered key would do: the client is asked to sign with it (no signature yet). */
  | { result: "key-ok" }
  | { result: "refused"; reason: string; fingerprint?: string };

/** Reads each Sprite's keys once per connection: a client offers several keys in a row. */
export class KeyLookup {
  private readonly cache = new Map<string, Promise<{ keys: AuthorizedKey[]; unusable: UnusableKeyLine[] } | undefined>>();

  constructor(private readonly backend: SpriteBackend) {}

  keysOf(ref: SpriteRef) {
    const id = `${ref.namespace}/${ref.name}`;
    let entry = this.cache.get(id);
    if (!entry) {
      entry = this.backend.authorizedKeys(ref).then((lines) => (lines === undefined ? undefined : parseAuthorizedKeys(lines)));
      this.cache.set(id, entry);
    }
    return entry;
  }
}

/** Decides one attempt; the caller answers the client (the same way for every refusal). */
export async function decideAttempt(ctx: AuthContext, lookup: KeyLookup, defaultNamespace: string): Promise<AttemptOutcome> {
  if (ctx.method !== "publickey") return { result: "refused", reason: `method ${ctx.method} is not offered` };
  const offered = ctx.key.data;
  const fingerprintOffered = fingerprint(offered);
  const sprite = spriteForUser(ctx.username, defaultNamespace);
  if (!sprite) return { result: "refused", reason: "the user name names no Sprite", fingerprint: fingerprintOffered };
  if (!acceptableSignature(ctx.key.algo, ctx.hashAlgo)) return { result: "refused", reason: "an ssh-rsa signature with SHA-1", fingerprint: fingerprintOffered };
  const known = await lookup.keysOf(sprite);
  if (!known) return { result: "refused", reason: "no such Sprite", fingerprint: fingerprintOffered };
  const key = findKey(known.keys, offered);
  if (!key) return { result: "refused", reason: "the key is not in the Sprite's authorizedKeys", fingerprint: fingerprintOffered };
  if (!ctx.signature) return { result: "key-ok" };
  const parsed = utils.parseKey(`${key.type} ${key.blob.toString("base64")}`);
  if (parsed instanceof Error || Array.isArray(parsed)) return { result: "refused", reason: "the authorized key does not parse", fingerprint: key.fingerprint };
  if (!ctx.blob || parsed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
    return { result: "refused", reason: "the signature does not verify", fingerprint: key.fingerprint };
  }
  return { result: "accepted", who: { sprite, key } };
}
