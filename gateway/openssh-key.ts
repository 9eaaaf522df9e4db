// Makes an ed25519 key pair in OpenSSH's own formats (openssh-key-v1 private key, authorized_keys
// public line). ssh2 1.17's generateKeyPairSync strips leading zero bytes from the public key, so
// about one key in 256 comes out 31 bytes long and no parser (ssh2's or OpenSSH's) reads it back.
import { generateKeyPairSync, randomBytes } from "node:crypto";

export interface OpenSshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` …, unencrypted. */
  private: string;
  /** `ssh-ed25519 AAAA… comment`. */
  public: string;
}

const KEY_TYPE = "ssh-ed25519";
/** The cipher "none" pads the private section to 8-byte blocks. */
const BLOCK = 8;

/** An SSH wire string: uint32 length, then the bytes. */
function sshString(bytes: Buffer | string): Buffer {
  const body = typeof bytes === "string" ? Buffer.from(bytes) : bytes;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

/** The openssh-key-v1 container (OpenSSH's PROTOCOL.key) for one unencrypted ed25519 key. */
export function encodeEd25519Key(seed: Buffer, publicKey: Buffer, comment = "", checkInt = 0): OpenSshKeyPair {
  if (seed.length !== 32 || publicKey.length !== 32) throw new Error("an ed25519 seed and public key are 32 bytes each");
  const blob = Buffer.concat([sshString(KEY_TYPE), sshString(publicKey)]);
  const section = Buffer.concat([uint32(checkInt), uint32(checkInt), sshString(KEY_TYPE), sshString(publicKey), sshString(Buffer.concat([seed, publicKey])), sshString(comment)]);
  const padLength = (BLOCK - (section.length % BLOCK)) % BLOCK;
  const padding = Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1));
  const body = Buffer.concat([Buffer.from("openssh-key-v1\0"), sshString("none"), sshString("none"), sshString(""), uint32(1), sshString(blob), sshString(Buffer.concat([section, padding]))]);
  const lines = body.toString("base64").match(/.{1,70}/g) ?? [];
  return {
    private: ["-----BEGIN OPENSSH PRIVATE KEY-----", ...lines, "-----END OPENSSH PRIVATE KEY-----", ""].join("\n"),
    public: [KEY_TYPE, blob.toString("base64"), ...(comment ? [comment] : [])].join(" "),
  };
}

/** A fresh ed25519 key pair from Node's crypto, written as OpenSSH writes it. */
export function generateEd25519Key(comment = ""): OpenSshKeyPair {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  // The check integer only lets a decrypter see that its passphrase was right; OpenSSH makes it random.
  const checkInt = randomBytes(4).readUInt32BE();
  return encodeEd25519Key(Buffer.from(jwk.d!, "base64url"), Buffer.from(jwk.x!, "base64url"), comment, checkInt);
}
