// A TCP proxy for cluster tests of the shared client: it can freeze every connection (bytes stop,
// sockets stay open, as on a dead link), or only those open now (as after a laptop's Wi-Fi changed
// or a NAT entry was dropped), and can cut the server's bytes at chosen points.
import { createServer, connect, type Socket } from "node:net";

export interface TcpProxy {
  url: string;
  port: number;
  /** Stops forwarding in both directions on every connection, open and new, until thaw(). */
  freeze(): void;
  /**
   * Stops forwarding in both directions on the connections open now, leaving them open; new
   * connections work. Nothing tells either side: each must notice the silence on its own.
   */
  freezeOpen(): void;
  thaw(): void;
  /** How many connections were accepted so far. */
  connections(): number;
  /** How many server chunks were cut (cutServerChunk found a place to cut). */
  cutChunks(): number;
  close(): Promise<void>;
}

export interface ProxyOptions {
  /**
   * Where to cut each chunk from the server before passing it on: byte offsets within the chunk.
   * The pieces are written apart in time, so the client reads them as separate chunks.
   */
  cutServerChunk?: (chunk: Buffer) => number[];
}

export async function startTcpProxy(target: { host: string; port: number; protocol: string }, options: ProxyOptions = {}): Promise<TcpProxy> {
  let frozen = false;
  let accepted = 0;
  let cutChunks = 0;
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    accepted += 1;
    client.setNoDelay(true);
    const upstream = connect({ host: target.host, port: target.port }, () => upstream.setNoDelay(true));
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    if (frozen) {
      client.pause();
      upstream.pause();
    }
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.on("data", (chunk: Buffer) => upstream.write(chunk));
    // Pieces of one server chunk go out in order, each after the previous has left and a short pause.
    let queue = Promise.resolve();
    upstream.on("data", (chunk: Buffer) => {
      const cuts = options.cutServerChunk?.(chunk).filter((c) => c > 0 && c < chunk.length).sort((a, b) => a - b) ?? [];
      if (cuts.length === 0) {
        queue = queue.then(() => void client.write(chunk));
        return;
      }
      cutChunks += 1;
      const pieces = [0, ...cuts, chunk.length].slice(1).map((endAt, i, all) => chunk.subarray(i === 0 ? 0 : all[i - 1]!, endAt));
      for (const piece of pieces) {
        queue = queue.then(
          () => new Promise<void>((resolve) => client.write(piece, () => setTimeout(resolve, 30))),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `${target.protocol}//127.0.0.1:${port}`,
    port,
    freeze() {
      frozen = true;
      for (const [a, b] of pairs) {
        a.pause();
        b.pause();
      }
    },
    freezeOpen() {
      for (const [a, b] of pairs) {
        a.pause();
        b.pause();
      }
    },
    thaw() {
      frozen = false;
      for (const [a, b] of pairs) {
        a.resume();
        b.resume();
      }
    },
    connections: () => accepted,
    cutChunks: () => cutChunks,
    close: () =>
      new Promise<void>((resolve) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
