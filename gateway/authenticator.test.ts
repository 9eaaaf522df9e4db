import ssh2 from "ssh2";
import type { AuthContext } from "ssh2";
import { describe, expect, it } from "vitest";
import { decideAttempt, KeyLookup } from "./authenticator.js";
import { fingerprint } from "./authorized-keys.js";
import type { SpriteBackend } from "./backend.js";
import type { SpriteRef } from "../sprite-client/sprite-ref.js";
import { generateEd25519Key } from "./openssh-key.js";

const { utils } = ssh2;

const alice = generateEd25519Key();
const mallory = generateEd25519Key();
const rsa = utils.generateKeyPairSync("rsa", { bits: 2048 });
const blobOf = (publicLine: string) => Buffer.from(publicLine.split(" ")[1]!, "base64");

/** The Sprites a fake backend knows, by namespace/name, and the reads it was asked for. */
function backendWith(sprites: Record<string, string[]>, fail?: Error): SpriteBackend & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    authorizedKeys: async (ref: SpriteRef) => {
      reads.push(`${ref.namespace}/${ref.name}`);
      if (fail) throw fail;
      return sprites[`${ref.namespace}/${ref.name}`];
    },
  } as unknown as SpriteBackend & { reads: string[] };
}

/**
 * A public-key attempt as ssh2 hands it to the gateway: the key offered, and, once the client
 * signs, the data it signed and the signature, made with `signer`'s private key.
 */
function attempt(user: string, key: { public: string }, signer?: { private: string }, options: { hashAlgo?: string; algo?: string } = {}): AuthContext {
  const data = blobOf(key.public);
  const blob = Buffer.from("session id and userauth request, as ssh2 reassembles them");
  const base = { username: user, method: "publickey", key: { algo: options.algo ?? key.public.split(" ")[0]!, data }, accept: () => undefined, reject: () => undefined, service: "ssh-connection" };
  if (!signer) return base as unknown as AuthContext;
  const parsed = utils.parseKey(signer.private);
  if (parsed instanceof Error || Array.isArray(parsed)) throw new Error("test key does not parse");
  return { ...base, blob, signature: parsed.sign(blob, options.hashAlgo), hashAlgo: options.hashAlgo } as unknown as AuthContext;
}

describe("decideAttempt: who may log in to which Sprite", () => {
  const sprites = { "default/dev": [`restrict ${alice.public}`], "team/dev": [alice.public, rsa.public] };

  it.each([
    ["a key the client only offers (no signature yet) and the Sprite lists: asked to sign", "dev", alice, undefined, { result: "key-ok" }],
    ["a signature by the listed key: accepted, with the line's restrictions", "dev", alice, alice, { result: "accepted", who: { sprite: { namespace: "default", name: "dev" }, key: { fingerprint: fingerprint(blobOf(alice.public)), restrictions: { pty: false, portForwarding: false } } } }],
    ["dev.team names Sprite dev in namespace team", "dev.team", alice, alice, { result: "accepted", who: { sprite: { namespace: "team", name: "dev" }, key: { restrictions: { pty: true, portForwarding: true } } } }],
    ["a key the Sprite does not list", "dev", mallory, mallory, { result: "refused", reason: "the key is not in the Sprite's authorizedKeys", fingerprint: fingerprint(blobOf(mallory.public)) }],
    ["a Sprite that does not exist", "nosuch", alice, alice, { result: "refused", reason: "no such Sprite" }],
    ["a user name that names no Sprite", "no.such.sprite", alice, alice, { result: "refused", reason: "the user name names no Sprite" }],
    ["the listed key's blob with another key's signature", "dev", alice, mallory, { result: "refused", reason: "the signature does not verify" }],
  ] as const)("%s", async (_rule, user, key, signer, want) => {
    const outcome = await decideAttempt(attempt(user, key, signer), new KeyLookup(backendWith(sprites)), "default");
    expect(outcome).toMatchObject(want);
  });

  it("an RSA signature with SHA-1 is refused even for a listed key; SHA-256 is accepted", async () => {
    const lookup = new KeyLookup(backendWith(sprites));
    expect(await decideAttempt(attempt("dev.team", rsa, rsa, { algo: "ssh-rsa" }), lookup, "default")).toMatchObject({ result: "refused", reason: "an ssh-rsa signature with SHA-1" });
    expect(await decideAttempt(attempt("dev.team", rsa, rsa, { algo: "ssh-rsa", hashAlgo: "sha256" }), lookup, "default")).toMatchObject({ result: "accepted" });
  });

  it("refuses every method but publickey, without reading the Sprite", async () => {
    const backend = backendWith(sprites);
    const password = { username: "dev", method: "password", password: "hunter2" } as unknown as AuthContext;
    expect(await decideAttempt(password, new KeyLookup(backend), "default")).toEqual({ result: "refused", reason: "method password is not offered" });
    expect(backend.reads).toEqual([]);
  });

  it("reads a Sprite's keys once per connection, however many keys the client offers", async () => {
    const backend = backendWith(sprites);
    const lookup = new KeyLookup(backend);
    for (const key of [mallory, alice, alice]) await decideAttempt(attempt("dev", key, key), lookup, "default");
    expect(backend.reads).toEqual(["default/dev"]);
  });

  it("a cluster that does not answer fails the attempt (the server refuses it the same way)", async () => {
    await expect(decideAttempt(attempt("dev", alice, alice), new KeyLookup(backendWith(sprites, new Error("connect ECONNREFUSED"))), "default")).rejects.toThrow("ECONNREFUSED");
  });
});
