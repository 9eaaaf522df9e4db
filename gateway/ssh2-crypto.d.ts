// Types for the parts of ssh2's internal modules that gateway/ssh2-cipher-keys.ts and
// gateway/ssh2-hybrid-kex.ts reach (ssh2's own typings cover only its public API).
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

declare module "ssh2/lib/protocol/constants.js" {
  const constants: {
    MESSAGE: Record<string, number> & { KEXINIT: number; KEXDH_INIT: number; KEXDH_REPLY: number; NEWKEYS: number };
    COMPAT: Record<string, number> & { BAD_DHGEX: number };
    SUPPORTED_KEX: string[];
  };
  export default constants;
}

declare module "ssh2/lib/protocol/handlers.js" {
  /** ssh2's handler for each message number, called as handler(protocol, payload). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const handlers: ((protocol: any, payload: Buffer) => unknown)[];
  export default handlers;
}

declare module "ssh2/lib/protocol/kex.js" {
  const kex: {
    KexInit: new (lists: {
      kex: string[];
      serverHostKey: string[];
      cs: Record<"cipher" | "mac" | "compress" | "lang", string[]>;
      sc: Record<"cipher" | "mac" | "compress" | "lang", string[]>;
    }) => unknown;
  };
  export default kex;
}

declare module "ssh2/lib/protocol/Protocol.js" {
  class Protocol {
    constructor(config: Record<string, unknown>);
    start(): void;
    parse(chunk: Buffer, start: number, end: number): void;
    cleanup(): void;
  }
  export default Protocol;
}
