import { PassThrough, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { holdBackWhileBuffered, SOCKET_HIGH_WATER, writeHoldingBack, type FlowSocket } from "./flow.js";

function fakeSocket(): FlowSocket & { paused: boolean; buffered: number } {
  return {
    paused: false,
    buffered: 0,
    pause() {
      this.paused = true;
    },
    resume() {
      this.paused = false;
    },
    get bufferedAmount() {
      return this.buffered;
    },
  };
}

describe("writeHoldingBack", () => {
  it("stops reading the socket while the target is full, and reads on once it drained", async () => {
    const socket = fakeSocket();
    let release: (() => void) | undefined;
    const target = new Writable({
      highWaterMark: 4,
      write(_chunk, _encoding, done) {
        release = done;
      },
    });
    expect(writeHoldingBack(target, Buffer.from("12345"), () => socket)).toBe(false);
    expect(socket.paused).toBe(true);
    release!();
    await new Promise((r) => setImmediate(r));
    expect(socket.paused).toBe(false);
  });
});

describe("holdBackWhileBuffered", () => {
  it("pauses the source while the socket holds too much unsent, and resumes it under half", async () => {
    const socket = fakeSocket();
    const source = new PassThrough();
    source.on("data", () => undefined);
    holdBackWhileBuffered(source, socket);
    socket.buffered = SOCKET_HIGH_WATER;
    source.write("x");
    await new Promise((r) => setImmediate(r));
    expect(source.isPaused()).toBe(true);
    socket.buffered = SOCKET_HIGH_WATER / 2 - 1;
    await new Promise((r) => setTimeout(r, 20));
    expect(source.isPaused()).toBe(false);
    source.destroy();
  });
});
