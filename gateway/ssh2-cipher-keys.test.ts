import { createDecipheriv, KeyObject, randomBytes } from "node:crypto";
import sshCrypto from "ssh2/lib/protocol/crypto.js";
import { describe, expect, it } from "vitest";
import { keyedCiphers } from "./ssh2-cipher-keys.js";

const NAME = "aes128-gcm@openssh.com";
const info = sshCrypto.CIPHER_INFO[NAME]!;

/** Encrypts one SSH packet carrying `payload` with ssh2's own AES-GCM cipher: the bytes it would send. */
function sealWithSsh2(key: Buffer, iv: Buffer, payload: Buffer): { wire: Buffer; cipher: Record<string, unknown> } {
  const written: Buffer[] = [];
  const cipher = sshCrypto.createCipher({ outbound: { onWrite: (b: Buffer) => written.push(Buffer.from(b)), cipherInfo: info, cipherKey: key, cipherIV: Buffer.from(iv), seqno: 0 } }) as {
    allocPacket(n: number): Buffer;
    encrypt(packet: Buffer): void;
  } & Record<string, unknown>;
  const packet = cipher.allocPacket(payload.length);
  payload.copy(packet, 5);
  cipher.encrypt(packet);
  return { wire: Buffer.concat(written), cipher };
}

describe("keyedCiphers: ssh2's AES-GCM ciphers keep a KeyObject, and their packets stay what RFC 5647 says", () => {
  keyedCiphers();
  keyedCiphers(); // idempotent: a second call must not wrap the accessor again
  const key = randomBytes(info.keyLen);
  const iv = randomBytes(info.ivLen);
  const payload = randomBytes(32 * 1024);

  it("keeps the key as a KeyObject in the cipher and the decipher", () => {
    const { cipher } = sealWithSsh2(key, iv, payload);
    expect(cipher._encKey).toBeInstanceOf(KeyObject);
    const decipher = sshCrypto.createDecipher({ inbound: { onPayload: () => undefined, decipherInfo: info, decipherKey: key, decipherIV: Buffer.from(iv), seqno: 0 } }) as Record<string, unknown>;
    expect(decipher._decipherKey).toBeInstanceOf(KeyObject);
  });

  it("sends a packet Node's own AES-GCM opens with the raw key: length as AAD, then ciphertext and tag", () => {
    const { wire } = sealWithSsh2(key, iv, payload);
    const length = wire.readUInt32BE(0);
    expect(wire.length).toBe(4 + length + info.authLen);
    const opener = createDecipheriv("aes-128-gcm", key, iv);
    opener.setAAD(wire.subarray(0, 4));
    opener.setAuthTag(wire.subarray(4 + length));
    const plain = Buffer.concat([opener.update(wire.subarray(4, 4 + length)), opener.final()]);
    const padding = plain[0]!;
    expect(padding).toBeGreaterThanOrEqual(4);
    expect(plain.subarray(1, plain.length - padding).equals(payload)).toBe(true);
  });

  it("lets ssh2's decipher open what its cipher sealed, and refuses a flipped bit", () => {
    const { wire } = sealWithSsh2(key, iv, payload);
    const open = (bytes: Buffer) => {
      const got: Buffer[] = [];
      const decipher = sshCrypto.createDecipher({ inbound: { onPayload: (p: Buffer) => void got.push(Buffer.from(p)), decipherInfo: info, decipherKey: key, decipherIV: Buffer.from(iv), seqno: 0 } }) as {
        decrypt(data: Buffer, start: number, end: number): void;
      };
      decipher.decrypt(bytes, 0, bytes.length);
      return got;
    };
    expect(open(wire).map((p) => p.equals(payload))).toEqual([true]);
    const tampered = Buffer.from(wire);
    tampered[100]! ^= 1;
    expect(() => open(tampered)).toThrow();
  });
});
