// ssh2's AES-GCM ciphers keep their keys as KeyObjects instead of raw Buffers. AES-GCM is the only
// cipher the gateway offers (algorithms.ts), and without ssh2's native binding (Puck builds none) it
// makes a Node cipher for every packet, in both directions, from the key it keeps: Node 24 (the
// image's) checks a raw key Buffer for ~15 µs each time (getKeyObjectSlots), a KeyObject made once
// in ~2 µs. That check was a fifth of the gateway's CPU in a 200 MiB `ssh -L` download
// (bench:port-forward). The bytes on the wire are the same: only the key's form changes.
//
// ssh2 sets the key in its cipher's constructor (`this._encKey = key`, `this._decipherKey = key`):
// an accessor on the class's prototype turns the Buffer into a KeyObject as it is set. The classes
// are reached through ssh2's own createCipher/createDecipher on a throwaway key; if a new ssh2
// keeps its key elsewhere, keyedCiphers() throws at the gateway's start (and the unit test fails)
// rather than silently losing the gain.
import { createSecretKey } from "node:crypto";
import sshCrypto from "ssh2/lib/protocol/crypto.js";

/** The ssh2 cipher classes, each with the field its constructor stores the key in. */
const KEYED = [
  { make: () => sshCrypto.createCipher(probe("outbound")), field: "_encKey" },
  { make: () => sshCrypto.createDecipher(probe("inbound")), field: "_decipherKey" },
] as const;

/** A config for one AES-GCM cipher or decipher on a key of zeros, never used to send anything. */
function probe(direction: "outbound" | "inbound") {
  const cipherInfo = sshCrypto.CIPHER_INFO["aes128-gcm@openssh.com"]!;
  const key = Buffer.alloc(cipherInfo.keyLen);
  const iv = Buffer.alloc(cipherInfo.ivLen);
  return direction === "outbound"
    ? { outbound: { onWrite: () => undefined, cipherInfo, cipherKey: key, cipherIV: iv, seqno: 0, forceNative: true } }
    : { inbound: { onPayload: () => undefined, decipherInfo: cipherInfo, decipherKey: key, decipherIV: iv, seqno: 0, forceNative: true } };
}

let installed = false;

/** Makes every AES-GCM cipher ssh2 creates from now on keep its key as a KeyObject. Idempotent. */
export function keyedCiphers(): void {
  if (installed) return;
  for (const { make, field } of KEYED) {
    const instance = make() as Record<string, unknown>;
    const prototype = Object.getPrototypeOf(instance) as object;
    if (!Buffer.isBuffer(instance[field])) {
      throw new Error(`ssh2's ${prototype.constructor.name} no longer keeps its key in ${field}: gateway/ssh2-cipher-keys.ts needs updating for this ssh2`);
    }
    const slot = Symbol(field);
    Object.defineProperty(prototype, field, {
      configurable: true,
      get(this: Record<symbol, unknown>) {
        return this[slot];
      },
      set(this: Record<symbol, unknown>, key: unknown) {
        this[slot] = Buffer.isBuffer(key) ? createSecretKey(key) : key;
      },
    });
  }
  installed = true;
}
