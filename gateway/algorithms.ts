// The only algorithms the gateway speaks: current ones, as OpenSSH 10 prefers them. No SHA-1 key
// exchange or MACs, no CBC or RC4 ciphers, no DSA; RSA only with SHA-2 signatures.
import type { Algorithms } from "ssh2";
import { HYBRID_KEX } from "./ssh2-hybrid-kex.js";

export const GATEWAY_ALGORITHMS: Algorithms = {
  // The post-quantum hybrid first (OpenSSH 9.9+; gateway/ssh2-hybrid-kex.ts), then curve25519
  // (OpenSSH 6.5+, PuTTY 0.68+; Debian 12's ssh 9.2 gets it: ssh2 has no sntrup761). curve25519-sha256
  // must stay: the hybrid is negotiated in its name. No NIST-curve ECDH (ssh-audit fails them), no
  // 2048-bit group14 (it warns; every client that has it has curve25519 too).
  kex: [
    HYBRID_KEX,
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
  ],
  // chacha20-poly1305 needs ssh2's native binding, which Puck does not build: AES-GCM is as current.
  // No CTR: a client picks by its own order, and OpenSSH's puts aes128-ctr before GCM, whose HMAC
  // over every packet took a fifth of the gateway's CPU in a download (GCM needs no MAC). Every
  // OpenSSH since 6.2 (2013) and PuTTY since 0.76 speak AES-GCM.
  cipher: ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com"],
  // GCM carries its own authentication, so no MAC is ever used: the list is only announced. It names
  // encrypt-then-MAC ones alone, as scanners (ssh-audit) warn on encrypt-and-MAC.
  hmac: ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com"],
  serverHostKey: ["ssh-ed25519"],
  compress: ["none"],
};

/**
 * Whether a public-key signature uses an acceptable hash. ssh2 reports RSA keys as ssh-rsa with a
 * hash of sha256 or sha512 for rsa-sha2-*; an ssh-rsa key without one is a SHA-1 signature.
 */
export const acceptableSignature = (keyAlgo: string, hashAlgo: string | undefined): boolean =>
  keyAlgo !== "ssh-rsa" || hashAlgo === "sha256" || hashAlgo === "sha512";
