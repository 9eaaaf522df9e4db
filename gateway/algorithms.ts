// The only algorithms the gateway speaks: current ones, as OpenSSH 9 prefers them. No SHA-1 key
// exchange or MACs, no CBC or RC4 ciphers, no DSA; RSA only with SHA-2 signatures.
import type { Algorithms } from "ssh2";

export const GATEWAY_ALGORITHMS: Algorithms = {
  kex: [
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group14-sha256",
  ],
  // chacha20-poly1305 needs ssh2's native binding, which Puck does not build: AES-GCM is as current.
  // No CTR: a client picks by its own order, and OpenSSH's puts aes128-ctr before GCM, whose HMAC
  // over every packet took a fifth of the gateway's CPU in a download (GCM needs no MAC). Every
  // OpenSSH since 6.2 (2013) and PuTTY since 0.76 speak AES-GCM.
  cipher: ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com"],
  hmac: ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512"],
  serverHostKey: ["ssh-ed25519"],
  compress: ["none"],
};

/**
 * Whether a public-key signature uses an acceptable hash. ssh2 reports RSA keys as ssh-rsa with a
 * hash of sha256 or sha512 for rsa-sha2-*; an ssh-rsa key without one is a SHA-1 signature.
 */
export const acceptableSignature = (keyAlgo: string, hashAlgo: string | undefined): boolean =>
  keyAlgo !== "ssh-rsa" || hashAlgo === "sha256" || hashAlgo === "sha512";
