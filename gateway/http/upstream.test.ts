import { PassThrough } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { closeFrame, UpstreamPool, UpstreamSocket } from "./upstream.js";

describe("closeFrame", () => {
  it("is an unmasked close frame with the code and the reason", () => {
    expect(closeFrame(1001, "bye")).toEqual(Buffer.from([0x88, 5, 0x03, 0xe9, 0x62, 0x79, 0x65]));
  });
});

describe("UpstreamSocket", () => {
  it("fails with the inner stream's error before an upgrade (a refusal the flow may retry)", async () => {
    const inner = new PassThrough();
    const socket = new UpstreamSocket(inner);
    const failed = new Promise((resolve) => socket.once("error", resolve));
    inner.destroy(new Error("refused"));
    expect(await failed).toMatchObject({ message: "refused" });
    expect(socket.received).toBe(false);
  });

  it("after an upgrade, ends with what onUpstreamEnd adds (the close frame) instead of failing", async () => {
    const inner = new PassThrough();
    const socket = new UpstreamSocket(inner);
    socket.upgraded = true;
    socket.onUpstreamEnd = async () => Buffer.from("FRAME");
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    const ended = new Promise((resolve) => socket.once("end", resolve));
    inner.write("data");
    inner.end();
    await ended;
    expect(Buffer.concat(chunks).toString()).toBe("dataFRAME");
    expect(socket.received).toBe(true);
  });
});

describe("UpstreamPool", () => {
  it("keeps a connection only while it is used often enough: closed once idle for idleMs, not while reused", () => {
    vi.useFakeTimers();
    try {
      const pool = new UpstreamPool(async () => new UpstreamSocket(new PassThrough()), 4000);
      const kept = new UpstreamSocket(new PassThrough());
      expect(pool.keepSocketAlive(kept)).toBe(true);
      vi.advanceTimersByTime(3000);
      pool.reuseSocket(kept as never, { reusedSocket: true } as never);
      vi.advanceTimersByTime(3000);
      expect(kept.destroyed).toBe(false);
      expect(pool.keepSocketAlive(kept)).toBe(true);
      vi.advanceTimersByTime(4000);
      expect(kept.destroyed).toBe(true);
      expect(pool.keepSocketAlive(kept)).toBe(false);
      pool.destroy();
    } finally {
      vi.useRealTimers();
    }
  });
});
