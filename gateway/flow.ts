// Flow control between an SSH channel and a pod's WebSocket (exec or port-forward): the slower side
// holds the faster one back, so a large transfer never piles up in the gateway's memory. client-node
// writes and sends without looking at either side's buffer; these helpers add what it leaves out.
import type { Socket } from "node:net";
import type { Readable, Writable } from "node:stream";

/** The part of a `ws` WebSocket flow control uses. */
export interface FlowSocket {
  pause(): void;
  resume(): void;
  readonly bufferedAmount: number;
}

/** Bytes a socket may hold unsent before its source is paused: a few SSH windows' worth. */
export const SOCKET_HIGH_WATER = 4 * 1024 * 1024;
/** How often a paused source looks whether the socket has sent enough to go on. */
const POLL_MS = 5;

/**
 * Writes a chunk that came from `socket` to `target`; when the target is full (the SSH client's
 * window is used up), stops reading the socket until the target drains.
 */
export function writeHoldingBack(target: Writable, chunk: Buffer, socket: () => FlowSocket | undefined): boolean {
  const ok = target.write(chunk);
  const from = socket();
  if (!ok && from) {
    from.pause();
    target.once("drain", () => from.resume());
  }
  return ok;
}

/**
 * Pauses `source` whenever the socket holds more than SOCKET_HIGH_WATER unsent bytes, and resumes
 * it once it is under half of that: an SSH channel paused this way stops granting its client window.
 * Call after the socket opened; whoever sends the source's data to the socket keeps doing so.
 */
export function holdBackWhileBuffered(source: Readable, socket: FlowSocket): void {
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    if (socket.bufferedAmount >= SOCKET_HIGH_WATER / 2) return;
    clearInterval(timer);
    timer = undefined;
    source.resume();
  };
  source.on("data", () => {
    if (timer || socket.bufferedAmount < SOCKET_HIGH_WATER) return;
    source.pause();
    timer = setInterval(check, POLL_MS);
  });
  source.once("close", () => clearInterval(timer));
}

/**
 * Gathers what is written to `socket` in one turn of the event loop into one system call: ssh2
 * writes every SSH packet in three pieces (length, body, MAC or tag), which on a connection without
 * Nagle's algorithm would each be a syscall and a TCP segment of their own.
 */
export function coalesceWrites(socket: Socket): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  socket.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write(...args);
  }) as Socket["write"];
}
