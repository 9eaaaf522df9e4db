// One TCP connection to a pod's port through the API server's port-forward WebSocket, as a Duplex
// stream: what the gateway's `ssh -L`, `puck port-forward` and `puck ssh-proxy` carry their bytes on.
// The caller hands in the socket opener (client-node's WebSocketHandler, made from the shared
// access): kube/ does not load client-node itself, so the CLI can keep it out of its bundle.
import { Duplex } from "node:stream";
import { CORE, resourcePath } from "./paths.js";

/** The parts of an `ws` WebSocket used here. */
export interface ForwardSocket {
  send(data: Buffer, done: (error?: Error) => void): void;
  close(): void;
  pause(): void;
  resume(): void;
  on(event: "close", listener: () => void): unknown;
  readonly readyState: number;
  readonly CLOSED: number;
}

/** client-node's WebSocketHandler.connect, or anything that opens a channel WebSocket the same way. */
export interface ForwardSocketOpener {
  connect(path: string, textHandler: null, binaryHandler: (channel: number, data: Buffer) => boolean): Promise<unknown>;
}

export interface PortTarget {
  namespace: string;
  pod: string;
  port: number;
}

/** The kubelet could not connect to the port (nothing listens there, the pod is going): its own words. */
export class PortForwardRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PortForwardRefused";
  }
}

const DATA = 0;
const ERROR = 1;
const DATA_PREFIX = Buffer.from([DATA]);

export const portForwardPath = (target: PortTarget) =>
  `${resourcePath(CORE.pods, { namespace: target.namespace, name: target.pod, subresource: "portforward" })}?ports=${target.port}`;

/**
 * Opens the port and resolves with it as a stream; rejects when the WebSocket cannot be opened (the
 * pod is gone: 404; no right: 403). The stream ends when the pod's side closes, and fails with
 * PortForwardRefused when the kubelet reports an error. Ending or destroying the stream closes the
 * WebSocket: the protocol has no half-close, and the clients it carries (HTTP, SSH) never half-close.
 */
export async function openPortForward(opener: ForwardSocketOpener, target: PortTarget): Promise<Duplex> {
  // Set once the WebSocket is open; the stream exists before, for the handler to push into.
  const link: { socket?: ForwardSocket } = {};
  // Each channel's first frame starts with the port number (two bytes), then carries data.
  const skipPortNumber = [true, true];
  let failure = "";
  const stream = new Duplex({
    // Room for a few of the API server's frames before the WebSocket is paused: pausing at every
    // frame (the default 16 KiB) costs a download a good part of its throughput.
    readableHighWaterMark: 1 << 20,
    read() {
      link.socket?.resume();
    },
    write(chunk: Buffer, _encoding, done) {
      // Done once ws has handed the frame to the socket: the writer waits, so bytes never pile up.
      // A send that fails (the socket closing: the pod's side ended or the kubelet refused) is not
      // the stream's error: the close that follows says how the connection ended.
      link.socket!.send(Buffer.concat([DATA_PREFIX, chunk]), () => done());
    },
    final(done) {
      link.socket?.close();
      done();
    },
    destroy(error, done) {
      link.socket?.close();
      done(error);
    },
  });
  const opened = (await opener.connect(portForwardPath(target), null, (channel, data) => {
    let body = data;
    if (skipPortNumber[channel]) {
      skipPortNumber[channel] = false;
      body = data.subarray(2);
    }
    if (body.length === 0) return true;
    if (channel === DATA) {
      if (!stream.destroyed && !stream.push(body)) link.socket?.pause();
      return true;
    }
    if (channel === ERROR) {
      failure += body.toString("utf8");
      return false;
    }
    return true;
  })) as ForwardSocket;
  link.socket = opened;
  const closed = () => {
    if (stream.destroyed) return;
    if (failure) stream.destroy(new PortForwardRefused(failure.trim()));
    else stream.push(null);
  };
  if (opened.readyState === opened.CLOSED) closed();
  else opened.on("close", closed);
  return stream;
}

/**
 * Carries bytes both ways between two streams until either side ends or fails, then closes both;
 * resolves when done, or rejects with the remote side's failure (e.g. PortForwardRefused).
 */
export function splice(local: Duplex, remote: Duplex, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: Error | undefined;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", finish);
      local.unpipe(remote);
      remote.unpipe(local);
      if (!local.destroyed) local.end();
      remote.destroy();
      if (failure) reject(failure);
      else resolve();
    };
    local.pipe(remote, { end: false });
    remote.pipe(local, { end: false });
    remote.on("error", (error: Error) => {
      failure = error;
      finish();
    });
    // A local side that fails (a reset connection) just ends the forward.
    local.on("error", finish);
    remote.on("end", finish);
    remote.on("close", finish);
    local.on("end", finish);
    local.on("close", finish);
    // A side that closed before the splice (a client gone while the Sprite woke) emits no more events.
    if (signal?.aborted || local.destroyed || remote.destroyed) finish();
    else signal?.addEventListener("abort", finish, { once: true });
  });
}
