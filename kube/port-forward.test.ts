import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { openPortForward, portForwardPath, PortForwardRefused, splice, type ForwardSocketOpener } from "./port-forward.js";

/** A WebSocket stand-in at the boundary: frames the test sends as the API server would, and what puck sent. */
function fakeSocket() {
  const socket = Object.assign(new EventEmitter(), {
    sent: [] as Buffer[],
    paused: false,
    readyState: 1,
    CLOSED: 3,
    send(data: Buffer, done: () => void) {
      socket.sent.push(data);
      done();
    },
    close() {
      if (socket.readyState === 3) return;
      socket.readyState = 3;
      socket.emit("close");
    },
    pause() {
      socket.paused = true;
    },
    resume() {
      socket.paused = false;
    },
  });
  let deliver: (channel: number, data: Buffer) => boolean = () => true;
  let path = "";
  const opener: ForwardSocketOpener = {
    connect: (p, _text, binary) => {
      path = p;
      deliver = binary;
      return Promise.resolve(socket);
    },
  };
  /** A frame from the server: channel, then (in the first frame of each channel) the port, then data. */
  const frame = (channel: number, data: string | Buffer) => deliver(channel, Buffer.from(data));
  return { socket, opener, frame, path: () => path };
}

const port = (n: number) => Buffer.from([n & 0xff, n >> 8]);

describe("openPortForward", () => {
  it("opens the pod's portforward subresource for the one port", async () => {
    const fake = fakeSocket();
    await openPortForward(fake.opener, { namespace: "team", pod: "dev-0", port: 8080 });
    expect(fake.path()).toBe("/api/v1/namespaces/team/pods/dev-0/portforward?ports=8080");
    expect(portForwardPath({ namespace: "a b", pod: "p", port: 1 })).toBe("/api/v1/namespaces/a%20b/pods/p/portforward?ports=1");
  });

  it("drops each channel's leading port number, passes the data, and ends when the socket closes", async () => {
    const fake = fakeSocket();
    const stream = await openPortForward(fake.opener, { namespace: "n", pod: "p", port: 8080 });
    const chunks: string[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c.toString()));
    const ended = new Promise((resolve) => stream.on("end", resolve));
    fake.frame(0, port(8080));
    fake.frame(1, port(8080));
    fake.frame(0, "hello ");
    fake.frame(0, "world");
    fake.socket.close();
    await ended;
    expect(chunks.join("")).toBe("hello world");
  });

  it("sends what is written on the data channel", async () => {
    const fake = fakeSocket();
    const stream = await openPortForward(fake.opener, { namespace: "n", pod: "p", port: 1 });
    await new Promise<void>((resolve) => stream.write("GET /", () => resolve()));
    expect(fake.socket.sent).toEqual([Buffer.concat([Buffer.from([0]), Buffer.from("GET /")])]);
  });

  it("fails with the kubelet's words when it reports an error (nothing listens on the port)", async () => {
    const fake = fakeSocket();
    const stream = await openPortForward(fake.opener, { namespace: "n", pod: "p", port: 1 });
    const failed = new Promise<Error>((resolve) => stream.on("error", resolve));
    fake.frame(1, Buffer.concat([port(1), Buffer.from("dial tcp4 127.0.0.1:1: connect: connection refused")]));
    fake.socket.close();
    const error = await failed;
    expect(error).toBeInstanceOf(PortForwardRefused);
    expect(error.message).toBe("dial tcp4 127.0.0.1:1: connect: connection refused");
  });

  it("pauses the socket while the reader is behind, and resumes it when it reads again", async () => {
    const fake = fakeSocket();
    const stream = await openPortForward(fake.opener, { namespace: "n", pod: "p", port: 1 });
    fake.frame(0, port(1));
    fake.frame(0, Buffer.alloc(2 << 20));
    expect(fake.socket.paused).toBe(true);
    stream.read();
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.socket.paused).toBe(false);
  });

  it("closes the socket when the local side ends: the protocol has no half-close", async () => {
    const fake = fakeSocket();
    const stream = await openPortForward(fake.opener, { namespace: "n", pod: "p", port: 1 });
    stream.resume();
    await new Promise<void>((resolve) => stream.end(resolve));
    expect(fake.socket.readyState).toBe(3);
  });
});

describe("splice", () => {
  it("closes the remote side at once when the local side closed before the splice began", async () => {
    const fake = fakeSocket();
    const remote = await openPortForward(fake.opener, { namespace: "n", pod: "p", port: 1 });
    const local = new PassThrough();
    local.destroy();
    await splice(local, remote);
    expect(fake.socket.readyState).toBe(3);
  });

  it("carries both ways and ends the local side when the remote one ends", async () => {
    const fake = fakeSocket();
    const remote = await openPortForward(fake.opener, { namespace: "n", pod: "p", port: 1 });
    const local = new PassThrough();
    const received: Buffer[] = [];
    const done = splice(local, remote);
    local.on("data", (c: Buffer) => received.push(c));
    fake.frame(0, Buffer.concat([port(1), Buffer.from("pong")]));
    fake.socket.close();
    await done;
    expect(Buffer.concat(received).toString()).toContain("pong");
  });
});
