// Teaches ssh2's server the post-quantum hybrid key exchange mlkem768x25519-sha256 (OpenSSH 9.9+'s
// default; draft-ietf-sshm-mlkem-hybrid-kex), which ssh2 lacks. Without it OpenSSH 10.1 and later
// warn on every connection that it "is not using a post-quantum key exchange algorithm".
//
// The exchange (the draft, and OpenSSH's kexmlkem768x25519.c): the client sends, in the message
// number curve25519 uses (30), C_INIT = its ML-KEM-768 public key (1184 bytes) || its X25519 public
// key (32); the server encapsulates to the first and answers (31) with S_REPLY = the ML-KEM
// ciphertext (1088) || its own X25519 public key (32), signed over the exchange hash. The shared
// secret is K = SHA-256(ML-KEM shared secret || X25519 shared secret), written as an SSH string (not
// an mpint) in the exchange hash and in the key derivation. Node 24's crypto does the ML-KEM.
//
// ssh2 builds its key exchanges in a closed switch, so the hybrid goes in this way: when a client's
// KEXINIT would select it, ssh2 is handed a copy of that KEXINIT naming curve25519-sha256 in its
// place (the gateway always offers both); the curve25519 exchange ssh2 then makes gets the real
// KEXINIT back (it is hashed) and the hybrid's four key methods. Everything else — the messages, the
// host key's signature, NEWKEYS, strict KEX, the key derivation — stays ssh2's own. The hooks: the
// first KEXINIT reaches ssh2 through the connection's key-exchange decipher (hooked per connection
// when ssh2 announces it), a rekey's through ssh2's message table. installHybridKex() runs a
// KEXINIT through ssh2 at the gateway's start and throws if a new ssh2 no longer works this way.
import { createHash, createPublicKey, diffieHellman, encapsulate, generateKeyPairSync } from "node:crypto";
import type { Connection, KexAlgorithm } from "ssh2";
import constants from "ssh2/lib/protocol/constants.js";
import messageHandlers from "ssh2/lib/protocol/handlers.js";
import kex from "ssh2/lib/protocol/kex.js";
import Protocol from "ssh2/lib/protocol/Protocol.js";

/** ssh2's types list only the exchanges it has. */
export const HYBRID_KEX = "mlkem768x25519-sha256" as KexAlgorithm;
/** What ssh2 is told was negotiated: an exchange it builds, whose messages and hash are SHA-256's too. */
const STAND_IN = "curve25519-sha256";

const MLKEM_PUBLIC = 1184;
const X25519_PUBLIC = 32;
const KEXINIT = constants.MESSAGE.KEXINIT;
/** A KEXINIT's name-lists start after the message number and the 16-byte cookie. */
const LISTS_AT = 17;

/** The fields of ssh2's key exchange object the hybrid reads or replaces. */
interface Exchange {
  negotiated: { kex: string };
  type: string;
  _remoteKexinit: Buffer;
  generateKeys(): void;
  getPublicKey(): Buffer | undefined;
  convertPublicKey(key: Buffer): Buffer;
  computeSecret(otherPublicKey: Buffer): Buffer | Error;
  _hybridReply?: Buffer;
}

/** The fields of ssh2's protocol object the hooks read. */
interface ProtocolState {
  _server: boolean;
  _kex?: Exchange;
  _offer: { lists: { kex: { array: string[] } } };
  _compatFlags: number;
  _decipher?: { _onPayload?: (payload: Buffer) => unknown };
}

/**
 * The server's half: from the client's C_INIT, S_REPLY and the shared secret K (the raw SHA-256
 * digest; ssh2 writes it as a string). An Error for an input the draft says to refuse: a C_INIT of
 * the wrong length, an ML-KEM key that fails FIPS 203's check, an X25519 key of low order.
 */
export function hybridReply(clientInit: Buffer): { reply: Buffer; secret: Buffer } | Error {
  if (clientInit.length !== MLKEM_PUBLIC + X25519_PUBLIC) return new Error(`C_INIT is ${clientInit.length} bytes, not ${MLKEM_PUBLIC + X25519_PUBLIC}`);
  try {
    const mlkem = createPublicKey({ key: clientInit.subarray(0, MLKEM_PUBLIC), format: "raw-public", asymmetricKeyType: "ml-kem-768" });
    const { sharedKey, ciphertext } = encapsulate(mlkem);
    const clientX25519 = createPublicKey({ key: clientInit.subarray(MLKEM_PUBLIC), format: "raw-public", asymmetricKeyType: "x25519" });
    const ours = generateKeyPairSync("x25519");
    // OpenSSL refuses an all-zero X25519 result (a low-order public key), as RFC 8731 asks.
    const classical = diffieHellman({ privateKey: ours.privateKey, publicKey: clientX25519 });
    const secret = createHash("sha256").update(sharedKey).update(classical).digest();
    return { reply: Buffer.concat([ciphertext, ours.publicKey.export({ format: "raw-public" })]), secret };
  } catch (error) {
    return new Error("the client's hybrid public key is not valid", { cause: error });
  }
}

/** The methods that make ssh2's curve25519 exchange the hybrid, server side. */
const HYBRID_METHODS: Pick<Exchange, "generateKeys" | "getPublicKey" | "convertPublicKey" | "computeSecret"> = {
  // Nothing is made ahead: the server's keys depend on the client's C_INIT.
  generateKeys() {},
  // C_INIT is hashed as it came: ssh2's default would strip leading zero bytes as from an mpint.
  convertPublicKey: (clientInit) => clientInit,
  // ssh2 asks for the secret before the reply it sends (finish()); the reply is made with it.
  computeSecret(this: Exchange, clientInit) {
    const result = hybridReply(clientInit);
    if (result instanceof Error) return result;
    this._hybridReply = result.reply;
    return result.secret;
  },
  getPublicKey(this: Exchange) {
    return this._hybridReply;
  },
};

function becomeHybrid(exchange: Exchange, clientKexinit: Buffer): void {
  exchange.negotiated.kex = HYBRID_KEX;
  exchange.type = "mlkem768x25519";
  exchange._remoteKexinit = clientKexinit;
  Object.assign(exchange, HYBRID_METHODS);
}

/** The name-list at `offset` of a KEXINIT and where it ends, or undefined when it does not fit. */
function readNameList(payload: Buffer, offset: number): { names: string[]; end: number } | undefined {
  if (payload.length < offset + 4) return undefined;
  const length = payload.readUInt32BE(offset);
  const end = offset + 4 + length;
  if (end > payload.length) return undefined;
  const text = payload.toString("latin1", offset + 4, end);
  return { names: text ? text.split(",") : [], end };
}

/** The exchange ssh2 would negotiate: the client's first choice the server offers (RFC 4253 7.1). */
function chosenKex(state: ProtocolState, clientNames: string[]): string | undefined {
  let ours = state._offer.lists.kex.array;
  // ssh2 leaves group exchange out for some clients (BAD_DHGEX); the gateway offers none anyway.
  if (state._compatFlags & constants.COMPAT.BAD_DHGEX) ours = ours.filter((name) => !name.includes("group-exchange"));
  return clientNames.find((name) => ours.includes(name));
}

/**
 * Passes a packet of the key exchange to ssh2's own handling; a client's KEXINIT that selects the
 * hybrid goes with the stand-in's name in its place, and the exchange ssh2 makes for it becomes
 * the hybrid.
 */
function handleWithHybrid(state: ProtocolState, payload: Buffer, handle: (payload: Buffer) => unknown): unknown {
  if (!state._server || payload[0] !== KEXINIT) return handle(payload);
  const list = readNameList(payload, LISTS_AT);
  if (!list || chosenKex(state, list.names) !== HYBRID_KEX) return handle(payload);
  const renamed = Buffer.from(list.names.map((name) => (name === HYBRID_KEX ? STAND_IN : name)).join(","), "latin1");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(renamed.length);
  const before = state._kex;
  const result = handle(Buffer.concat([payload.subarray(0, LISTS_AT), length, renamed, payload.subarray(list.end)]));
  const exchange = state._kex;
  if (exchange && exchange !== before && exchange.negotiated.kex === STAND_IN) becomeHybrid(exchange, payload);
  return result;
}

const protocolOf = (connection: Connection) => (connection as unknown as { _protocol?: ProtocolState })._protocol;

/**
 * Lets this connection negotiate the hybrid in its first key exchange. Call from the server's
 * "connection" event: ssh2 emits it as the client's version line arrives, before its KEXINIT.
 */
export function hybridKexFor(connection: Connection): void {
  hookDecipher(protocolOf(connection));
}

function hookDecipher(state: ProtocolState | undefined): void {
  const decipher = state?._decipher;
  const handle = decipher?._onPayload;
  if (!state || !decipher || typeof handle !== "function") {
    throw new Error("ssh2's connection no longer has a key-exchange decipher with _onPayload: gateway/ssh2-hybrid-kex.ts needs updating for this ssh2");
  }
  decipher._onPayload = (payload: Buffer) => handleWithHybrid(state, payload, (p) => handle.call(decipher, p));
}

let installed = false;

/**
 * Makes ssh2 accept the hybrid in a server's algorithm list and handle it in rekeys, then checks on
 * a KEXINIT run through a server protocol in memory that ssh2 still negotiates it as above.
 * Idempotent; throws when this ssh2's internals moved.
 */
export function installHybridKex(): void {
  if (installed) return;
  const rekey = messageHandlers[KEXINIT];
  if (typeof rekey !== "function" || !Array.isArray(constants.SUPPORTED_KEX)) {
    throw new Error("ssh2's message table or algorithm lists moved: gateway/ssh2-hybrid-kex.ts needs updating for this ssh2");
  }
  if (!constants.SUPPORTED_KEX.includes(HYBRID_KEX)) constants.SUPPORTED_KEX.push(HYBRID_KEX);
  messageHandlers[KEXINIT] = (state: ProtocolState, payload: Buffer) => handleWithHybrid(state, payload, (p) => rekey(state, p));
  installed = true;
  const negotiated = probeNegotiation();
  if (negotiated !== HYBRID_KEX) {
    throw new Error(`ssh2 negotiated ${negotiated ?? "nothing"} where the hybrid key exchange was due: gateway/ssh2-hybrid-kex.ts needs updating for this ssh2`);
  }
}

/** Runs a client's version line and a KEXINIT offering only the hybrid through a fresh server protocol. */
function probeNegotiation(): string | undefined {
  const errors: unknown[] = [];
  const proto = new Protocol({
    server: true,
    hostKeys: {},
    offer: kexinitOffer([HYBRID_KEX, STAND_IN]),
    onWrite: () => undefined,
    onError: (error: unknown) => errors.push(error),
    onHeader: () => hookDecipher(state),
  });
  const state = proto as unknown as ProtocolState;
  proto.start();
  const ident = Buffer.from("SSH-2.0-probe\r\n");
  proto.parse(ident, 0, ident.length);
  const packet = plainPacket(kexinitPayload([HYBRID_KEX]));
  proto.parse(packet, 0, packet.length);
  const exchange = state._kex;
  proto.cleanup();
  if (errors.length > 0 || !exchange || exchange.computeSecret !== HYBRID_METHODS.computeSecret) return errors.length > 0 ? `an error (${String(errors[0])})` : exchange?.negotiated.kex;
  return exchange.negotiated.kex;
}

/** An ssh2 offer (KexInit) for the probe: these exchanges, the gateway's other algorithms. */
function kexinitOffer(exchanges: string[]) {
  const lists = { cipher: ["aes128-gcm@openssh.com"], mac: ["hmac-sha2-256-etm@openssh.com"], compress: ["none"], lang: [] };
  return new kex.KexInit({ kex: [...exchanges, "kex-strict-s-v00@openssh.com"], serverHostKey: ["ssh-ed25519"], cs: lists, sc: lists });
}

/** A client's KEXINIT payload offering these exchanges with the algorithms the gateway speaks. */
export function kexinitPayload(kex: string[]): Buffer {
  const lists = [kex.join(","), "ssh-ed25519", "aes128-gcm@openssh.com", "aes128-gcm@openssh.com", "hmac-sha2-256-etm@openssh.com", "hmac-sha2-256-etm@openssh.com", "none", "none", "", ""];
  const parts = [Buffer.from([KEXINIT]), Buffer.alloc(16, 7)];
  for (const list of lists) {
    const bytes = Buffer.from(list, "latin1");
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  }
  parts.push(Buffer.from([0, 0, 0, 0, 0]));
  return Buffer.concat(parts);
}

/** An SSH binary packet before any keys (RFC 4253 6): length, padding length, payload, padding. */
export function plainPacket(payload: Buffer): Buffer {
  let padding = 8 - ((5 + payload.length) % 8);
  if (padding < 4) padding += 8;
  const packet = Buffer.alloc(5 + payload.length + padding);
  packet.writeUInt32BE(1 + payload.length + padding, 0);
  packet[4] = padding;
  payload.copy(packet, 5);
  return packet;
}
