import { createHash, createPublicKey, decapsulate, diffieHellman, generateKeyPairSync, verify } from "node:crypto";
import { Duplex } from "node:stream";
import ssh2 from "ssh2";
import { describe, expect, it } from "vitest";
import { HYBRID_KEX, hybridKexFor, hybridReply, installHybridKex, kexinitPayload, plainPacket } from "./ssh2-hybrid-kex.js";
import { generateEd25519Key } from "./openssh-key.js";

const { Server } = ssh2;
const hostKey = generateEd25519Key();

/** SSH's string: a uint32 length, then the bytes. */
const sshString = (bytes: Buffer) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/** Reads SSH strings from a buffer in turn. */
function reader(buffer: Buffer, offset: number) {
  return () => {
    const length = buffer.readUInt32BE(offset);
    const value = buffer.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return value;
  };
}

/** One end of an in-memory connection: what is written to it comes out of its peer. */
function socketPair(): [Duplex, Duplex] {
  const make = (): Duplex & { peer?: Duplex } =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        (this as Duplex & { peer?: Duplex }).peer!.push(chunk);
        done();
      },
      final(done) {
        (this as Duplex & { peer?: Duplex }).peer!.push(null);
        done();
      },
    });
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * A client written from the draft, not from the gateway's code: it sends its version, a KEXINIT that
 * offers `offer`, and C_INIT; reads the server's version, KEXINIT and reply; and computes the
 * exchange hash itself. The host key's signature over it verifies only if the server computed the
 * same hash: the same C_INIT, S_REPLY and K, each encoded as the draft says.
 */
async function handshake(offer: string[], clientInit?: (mlkemPublic: Buffer, x25519Public: Buffer) => Buffer) {
  installHybridKex();
  const negotiated: string[] = [];
  const serverErrors: string[] = [];
  const server = new Server({ hostKeys: [hostKey.private], ident: "Puck", algorithms: { kex: [HYBRID_KEX, "curve25519-sha256"], cipher: ["aes128-gcm@openssh.com"], serverHostKey: ["ssh-ed25519"] } }, (client) => {
    hybridKexFor(client);
    client.on("handshake", (n) => negotiated.push(n.kex));
    client.on("error", (e) => serverErrors.push(e.message));
  });
  const [ours, theirs] = socketPair();
  // ssh2's Server takes sockets through its net server's connection event.
  (server as unknown as { _srv: { emit(event: string, socket: unknown): void } })._srv.emit("connection", Object.assign(theirs, { remoteAddress: "127.0.0.1", remotePort: 1, setNoDelay: () => theirs }));

  let received = Buffer.alloc(0);
  ours.on("data", (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  const until = async (test: () => boolean) => {
    for (let i = 0; i < 200 && !test(); i++) await new Promise((r) => setTimeout(r, 5));
    if (!test()) throw new Error(`the server sent ${received.length} bytes, not what was awaited; its errors: ${serverErrors.join("; ")}`);
  };

  const clientIdent = "SSH-2.0-DraftClient";
  const clientKexinit = kexinitPayload(offer);
  ours.write(`${clientIdent}\r\n`);
  ours.write(plainPacket(clientKexinit));
  const mlkem = generateKeyPairSync("ml-kem-768");
  const x25519 = generateKeyPairSync("x25519");
  const mlkemPublic = mlkem.publicKey.export({ format: "raw-public" });
  const x25519Public = x25519.publicKey.export({ format: "raw-public" });
  const cInit = clientInit ? clientInit(mlkemPublic, x25519Public) : Buffer.concat([mlkemPublic, x25519Public]);
  ours.write(plainPacket(Buffer.concat([Buffer.from([30]), sshString(cInit)])));

  // The server's version line, then its packets (unencrypted until NEWKEYS).
  await until(() => received.includes("\r\n"));
  const serverIdent = received.subarray(0, received.indexOf("\r\n")).toString("latin1");
  const packets = () => {
    const out: Buffer[] = [];
    let at = received.indexOf("\r\n") + 2;
    while (at + 4 <= received.length) {
      const length = received.readUInt32BE(at);
      if (at + 4 + length > received.length) break;
      const padding = received[at + 4]!;
      out.push(received.subarray(at + 5, at + 4 + length - padding));
      at += 4 + length;
    }
    return out;
  };
  try {
    await until(() => packets().some((p) => p[0] === 31) || serverErrors.length > 0 || packets().some((p) => p[0] === 1));
  } catch (error) {
    return { negotiated, serverErrors, disconnected: true, error };
  }
  const serverKexinit = packets().find((p) => p[0] === 20)!;
  const reply = packets().find((p) => p[0] === 31);
  if (!reply) return { negotiated, serverErrors, disconnected: true };
  const read = reader(reply, 1);
  const hostKeyBlob = read();
  const sReply = read();
  const signature = read();

  if (sReply.length !== 1088 + 32) return { negotiated, serverErrors, disconnected: false, replyLength: sReply.length };
  const kPq = decapsulate(mlkem.privateKey, sReply.subarray(0, 1088));
  const kCl = diffieHellman({ privateKey: x25519.privateKey, publicKey: createPublicKey({ key: sReply.subarray(1088), format: "raw-public", asymmetricKeyType: "x25519" }) });
  const k = createHash("sha256").update(kPq).update(kCl).digest();
  const exchangeHash = createHash("sha256")
    .update(Buffer.concat([
      sshString(Buffer.from(clientIdent)), sshString(Buffer.from(serverIdent)), sshString(clientKexinit), sshString(serverKexinit),
      sshString(hostKeyBlob), sshString(cInit), sshString(sReply), sshString(k),
    ]))
    .digest();
  const readSignature = reader(signature, 0);
  expect(readSignature().toString()).toBe("ssh-ed25519");
  const readHostKey = reader(hostKeyBlob, 0);
  expect(readHostKey().toString()).toBe("ssh-ed25519");
  const hostPublic = createPublicKey({ key: readHostKey(), format: "raw-public", asymmetricKeyType: "ed25519" });
  const verified = verify(null, exchangeHash, hostPublic, readSignature());
  // NEWKEYS completes the exchange on the server's side: it reports what was negotiated.
  ours.write(plainPacket(Buffer.from([21])));
  await until(() => negotiated.length > 0);
  ours.destroy();
  theirs.destroy();
  return { negotiated, serverErrors, disconnected: false, verified, serverKexinit };
}

describe("mlkem768x25519-sha256 in ssh2's server", () => {
  it("answers a client that offers only the hybrid with S_REPLY, signed over the exchange hash the draft defines", async () => {
    const r = await handshake([HYBRID_KEX]);
    expect(r.verified).toBe(true);
    expect(r.negotiated).toEqual([HYBRID_KEX]);
    // The server's own KEXINIT names the hybrid first, as sent.
    expect(r.serverKexinit!.toString("latin1")).toContain(`${HYBRID_KEX},curve25519-sha256`);
  });

  it("is chosen when the client prefers it, as OpenSSH 9.9+ does", async () => {
    const r = await handshake([HYBRID_KEX, "curve25519-sha256", "ext-info-c"]);
    expect(r.verified).toBe(true);
  });

  it("a client that prefers curve25519 gets curve25519, untouched", async () => {
    const r = await handshake(["curve25519-sha256", HYBRID_KEX], (_mlkem, x25519) => x25519);
    // curve25519's reply is its 32-byte public key, not S_REPLY.
    expect(r).toMatchObject({ disconnected: false, replyLength: 32 });
  });

  it("refuses a C_INIT of the wrong length, and an ML-KEM key that fails FIPS 203's check", async () => {
    const short = await handshake([HYBRID_KEX], (m, x) => Buffer.concat([m.subarray(1), x]));
    expect(short.disconnected).toBe(true);
    const invalid = await handshake([HYBRID_KEX], (m, x) => Buffer.concat([Buffer.alloc(2, 0xff), m.subarray(2), x]));
    expect(invalid.disconnected).toBe(true);
  });
});

describe("hybridReply", () => {
  it("gives the client the secret it derives: K = SHA-256(ML-KEM secret || X25519 secret)", () => {
    const mlkem = generateKeyPairSync("ml-kem-768");
    const x25519 = generateKeyPairSync("x25519");
    const result = hybridReply(Buffer.concat([mlkem.publicKey.export({ format: "raw-public" }), x25519.publicKey.export({ format: "raw-public" })]));
    if (result instanceof Error) throw result;
    const kPq = decapsulate(mlkem.privateKey, result.reply.subarray(0, 1088));
    const kCl = diffieHellman({ privateKey: x25519.privateKey, publicKey: createPublicKey({ key: result.reply.subarray(1088), format: "raw-public", asymmetricKeyType: "x25519" }) });
    expect(result.secret.equals(createHash("sha256").update(kPq).update(kCl).digest())).toBe(true);
  });

  it("refuses an X25519 public key of low order (an all-zero shared secret)", () => {
    const mlkem = generateKeyPairSync("ml-kem-768");
    expect(hybridReply(Buffer.concat([mlkem.publicKey.export({ format: "raw-public" }), Buffer.alloc(32)]))).toBeInstanceOf(Error);
  });
});
