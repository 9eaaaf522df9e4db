// Types for the part of ssh2's internal crypto module that gateway/ssh2-cipher-keys.ts reaches
// (ssh2's own typings cover only its public API).
declare module "ssh2/lib/protocol/crypto.js" {
  interface CipherInfo {
    sslName: string;
    keyLen: number;
    ivLen: number;
    authLen: number;
  }
  const crypto: {
    CIPHER_INFO: Record<string, CipherInfo | undefined>;
    createCipher(config: unknown): unknown;
    createDecipher(config: unknown): unknown;
  };
  export default crypto;
}
