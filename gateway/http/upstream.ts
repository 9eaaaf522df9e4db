// The connection a proxied request travels on: not a TCP address but a stream the backend opens to
// a port on the Sprite's localhost (the API server's port-forward). An http.Agent whose connection
// is that stream, one per request; and the stream wrapped as the socket node:http expects, knowing
// whether any byte came back (a refusal before that may be retried) and able to add a WebSocket
// close frame when the Sprite ended the connection.
import { Agent, type ClientRequestArgs } from "node:http";
import { Duplex } from "node:stream";

/** A socket-shaped stream over the backend's connection. */
export class UpstreamSocket extends Duplex {
  /** Whether the Sprite sent any byte back: a failure after that cannot be retried. */
  received = false;
  /**
   * Called when the Sprite's side ends or fails while a WebSocket is open on it: what it resolves
   * to is sent to the client before the end (a close frame saying why).
   */
  onUpstreamEnd?: (error: Error | undefined) => Promise<Buffer | undefined>;
  /** Set once the connection was upgraded to a WebSocket: only then is onUpstreamEnd asked. */
  upgraded = false;
  // What node:http and http-proxy-3 set on a socket; meaningless on this stream.
  readonly remoteAddress = "127.0.0.1";
  setTimeout() { return this; }
  setNoDelay() { return this; }
  setKeepAlive() { return this; }
  ref() { return this; }
  unref() { return this; }

  constructor(private readonly inner: Duplex) {
    // The inner stream buffers the Sprite's side; this one passes on as fast as it is read.
    super({ readableHighWaterMark: 64 * 1024, allowHalfOpen: false });
    let ended = false;
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      const finish = (frame: Buffer | undefined) => {
        if (frame) this.push(frame);
        // Before an upgrade, the failure is the request's (a refusal the flow may retry).
        if (error && !this.upgraded) this.destroy(error);
        else this.push(null);
      };
      if (this.upgraded && this.onUpstreamEnd) void this.onUpstreamEnd(error).catch(() => undefined).then(finish);
      else finish(undefined);
    };
    inner.on("data", (chunk: Buffer) => {
      this.received = true;
      if (!this.push(chunk)) inner.pause();
    });
    inner.on("end", () => end());
    inner.on("error", (error: Error) => end(error));
    inner.on("close", () => end());
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    // Done once the inner stream took it: the client's upload waits on the Sprite's pace.
    if (this.inner.destroyed) return done();
    if (this.inner.write(chunk)) done();
    else this.inner.once("drain", () => done());
  }

  override _final(done: (error?: Error | null) => void): void {
    this.inner.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.inner.destroy();
    done(error);
  }
}

/**
 * An Agent for one request whose connection is `open()`'s stream. It never keeps a connection for
 * another request: each request gets a fresh port-forward, so no request waits behind another's
 * slow answer and a closed forward is never reused.
 */
export class UpstreamAgent extends Agent {
  constructor(private readonly open: () => Promise<UpstreamSocket>) {
    super({ keepAlive: false });
  }

  override createConnection(_options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    this.open().then(
      (socket) => callback?.(null, socket),
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  }

  override keepSocketAlive(): boolean {
    return false;
  }
}

/**
 * Kept connections to one port of one Sprite, for requests one after another: opening a forward
 * costs a TLS connection to the API server, its authorisation and the kubelet's upgrade (about
 * 15 ms here), so an awake page's requests reuse the forward a finished request left. A kept
 * connection is closed after `idleMs` unused, shorter than the keep-alive most servers allow (Node's
 * and Python's 5 s), so the app rarely closes one just as it is reused; when it does, the flow tries
 * a request without a body again on a fresh one. WebSocket upgrades never come here.
 */
export class UpstreamPool extends Agent {
  private readonly idle = new Map<Duplex, NodeJS.Timeout>();

  constructor(
    private readonly open: () => Promise<UpstreamSocket>,
    private readonly idleMs = 4000,
  ) {
    super({ keepAlive: true, maxFreeSockets: 8 });
  }

  override createConnection(_options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    this.open().then(
      (socket) => {
        socket.once("close", () => this.forget(socket));
        callback?.(null, socket);
      },
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  }

  /** Kept (the request's response ended cleanly), to be closed once idle too long. */
  override keepSocketAlive(socket: Duplex): boolean {
    if (socket.destroyed) return false;
    const timer = setTimeout(() => socket.destroy(), this.idleMs);
    timer.unref();
    this.idle.set(socket, timer);
    return true;
  }

  override reuseSocket(socket: Duplex & { ref(): unknown }, request: Parameters<Agent["reuseSocket"]>[1]): void {
    this.forget(socket);
    super.reuseSocket(socket as never, request);
  }

  /** Closes every connection it keeps (the Sprite went, or the gateway stops). */
  override destroy(): void {
    for (const timer of this.idle.values()) clearTimeout(timer);
    this.idle.clear();
    super.destroy();
  }

  private forget(socket: Duplex): void {
    const timer = this.idle.get(socket);
    if (timer) clearTimeout(timer);
    this.idle.delete(socket);
  }
}

/** A server's WebSocket close frame (unmasked): `code` and a reason of at most 123 bytes. */
export function closeFrame(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, "utf8").subarray(0, 123);
  const payload = Buffer.alloc(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return Buffer.concat([Buffer.from([0x88, payload.length]), payload]);
}
