import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import type { ServerChannel, Session } from "ssh2";
import { describe, expect, it, vi } from "vitest";
import { silentLogger } from "../kube/logger.js";
import type { SessionEnd } from "../operator/api/index.js";
import type { Authenticated } from "./authenticator.js";
import { WakeFailed, type RunRequest, type RunResult, type SpriteBackend } from "./backend.js";
import { Connections, DRAIN_NOTICE } from "./connections.js";
import { handleSession } from "./session.js";

/** A session channel as ssh2 gives one: a duplex to the client, its stderr, and its exit. */
function fakeChannel() {
  const channel = new PassThrough() as PassThrough & { stderr: PassThrough; exited?: unknown[]; ended: boolean };
  let out = "";
  let err = "";
  channel.on("data", (d: Buffer) => (out += d.toString()));
  channel.stderr = new PassThrough();
  channel.stderr.on("data", (d: Buffer) => (err += d.toString()));
  channel.ended = false;
  Object.assign(channel, {
    exit: (...args: unknown[]) => (channel.exited = args),
    end: () => (channel.ended = true),
  });
  return { channel, out: () => out, err: () => err };
}

/** A session channel's requests, sent as an ssh2 client's would arrive; each records whether it was accepted. */
function fakeSession() {
  const session = new EventEmitter();
  const answers: string[] = [];
  const request = (event: string, info: unknown, channel?: ServerChannel) =>
    session.emit(event, () => {
      answers.push(`${event}: accepted`);
      return channel;
    }, () => answers.push(`${event}: refused`), info);
  return { session: session as unknown as Session, request, answers };
}

/** A backend whose Sprite wakes (or not) and runs `program`, recording what it was asked to run. */
function fakeBackend(program: (request: RunRequest) => Promise<RunResult>, options: { wake?: Error; end?: SessionEnd } = {}) {
  const runs: RunRequest[] = [];
  const backend = {
    wake: async (_ref: unknown, progress: (step: string) => void) => {
      progress("starting the pod");
      if (options.wake) throw options.wake;
    },
    run: (_ref: unknown, request: RunRequest) => {
      runs.push(request);
      return program(request);
    },
    explainEnd: async () => options.end,
  } as unknown as SpriteBackend;
  return { backend, runs };
}

const who = (rights = { pty: true, portForwarding: true }): Authenticated =>
  ({ sprite: { namespace: "default", name: "dev" }, key: { restrictions: rights, fingerprint: "SHA256:x" } }) as unknown as Authenticated;

function serve(backend: SpriteBackend, options: { who?: Authenticated; connections?: Connections } = {}) {
  const fake = fakeSession();
  const signal = new AbortController().signal;
  const connections = options.connections ?? new Connections();
  handleSession(fake.session, {
    backend,
    who: options.who ?? who(),
    wake: (progress) => backend.wake({ namespace: "default", name: "dev" }, progress, signal),
    signal,
    log: silentLogger,
    addTerminal: (tell) => connections.addTerminal(tell),
  });
  return fake;
}

const exitedWith = (channel: { exited?: unknown[] }) =>
  vi.waitFor(() => {
    if (!channel.exited) throw new Error("the channel has not exited");
    return channel.exited;
  }, { timeout: 5000, interval: 5 });

describe("handleSession: what a session channel asks for and what it gets", () => {
  it("a shell with a terminal runs with that terminal and the variables the client may pass, and reports its exit code", async () => {
    const { backend, runs } = fakeBackend(async (r) => {
      r.stdout.write("hello\r\n");
      return { exitCode: 0 };
    });
    const { request, answers } = serve(backend);
    const { channel, out } = fakeChannel();
    request("pty", { term: "xterm-256color", cols: 100, rows: 30 });
    request("env", { key: "LANG", val: "C.UTF-8" });
    request("env", { key: "LD_PRELOAD", val: "/tmp/evil.so" });
    request("shell", undefined, channel as unknown as ServerChannel);
    expect(await exitedWith(channel)).toEqual([0]);
    expect(answers).toEqual(["pty: accepted", "env: accepted", "env: refused", "shell: accepted"]);
    expect(runs[0]).toMatchObject({ program: { kind: "shell" }, terminal: { term: "xterm-256color", cols: 100, rows: 30 }, env: { LANG: "C.UTF-8" } });
    expect(out()).toContain("hello");
    expect(channel.ended).toBe(true);
  });

  it("a key marked no-pty gets its terminal request refused, and its command runs without one", async () => {
    const { backend, runs } = fakeBackend(async () => ({ exitCode: 0 }));
    const { request, answers } = serve(backend, { who: who({ pty: false, portForwarding: false }) });
    const { channel } = fakeChannel();
    request("pty", { term: "xterm", cols: 80, rows: 24 });
    request("exec", { command: "make test" }, channel as unknown as ServerChannel);
    await exitedWith(channel);
    expect(answers[0]).toBe("pty: refused");
    expect(runs[0]).toMatchObject({ program: { kind: "exec", command: "make test" } });
    expect(runs[0]!.terminal).toBeUndefined();
  });

  it("a command keeps stdout and stderr apart and passes on its exit code; a second program request is ignored", async () => {
    const { backend, runs } = fakeBackend(async (r) => {
      r.stdout.write("out\n");
      r.stderr.write("err\n");
      return { exitCode: 7 };
    });
    const { request } = serve(backend);
    const { channel, out, err } = fakeChannel();
    request("exec", { command: "build" }, channel as unknown as ServerChannel);
    request("shell", undefined, fakeChannel().channel as unknown as ServerChannel);
    expect(await exitedWith(channel)).toEqual([7]);
    expect([out(), err()]).toEqual(["out\n", "err\n"]);
    expect(runs).toHaveLength(1);
  });

  it("a Sprite that cannot start: one line on stderr and exit 3, nothing run", async () => {
    const { backend, runs } = fakeBackend(async () => ({ exitCode: 0 }), { wake: new WakeFailed('image "nope:1" cannot be pulled') });
    const { request } = serve(backend);
    const { channel, err } = fakeChannel();
    request("exec", { command: "true" }, channel as unknown as ServerChannel);
    expect(await exitedWith(channel)).toEqual([3]);
    expect(err()).toBe('puck: Sprite dev cannot start: image "nope:1" cannot be pulled\n');
    expect(runs).toEqual([]);
  });

  it("a session lost without the Sprite's word ends 255 with what broke; one the Sprite ended gets puck connect's line", async () => {
    const lost = serve(fakeBackend(async () => Promise.reject(new Error("the connection to the Sprite closed"))).backend);
    const a = fakeChannel();
    lost.request("exec", { command: "sleep 100" }, a.channel as unknown as ServerChannel);
    expect(await exitedWith(a.channel)).toEqual([255]);
    expect(a.err()).toBe("puck: the session in dev ended: the connection to the Sprite closed\n");

    const text = "Sprite dev hibernated after its idle timeout, which ended the session; `puck connect dev` wakes it.";
    const hibernated = serve(fakeBackend(async () => ({ exitCode: 143 }), { end: { cause: "Hibernated", text } as SessionEnd }).backend);
    const b = fakeChannel();
    hibernated.request("exec", { command: "sleep 100" }, b.channel as unknown as ServerChannel);
    expect(await exitedWith(b.channel)).toEqual([255]);
    expect(b.err()).toBe(`puck: ${text}\n`);
  });

  it("a drain tells each session with a terminal one line on stderr, and the session goes on; a command without one is not told", async () => {
    let finish: (r: RunResult) => void = () => undefined;
    const running = new Promise<RunResult>((resolve) => (finish = resolve));
    const { backend, runs } = fakeBackend(() => running);
    const connections = new Connections();
    const terminal = serve(backend, { connections });
    const t = fakeChannel();
    terminal.request("pty", { term: "xterm", cols: 80, rows: 24 });
    terminal.request("shell", undefined, t.channel as unknown as ServerChannel);
    const plain = serve(backend, { connections });
    const p = fakeChannel();
    plain.request("exec", { command: "rsync --server" }, p.channel as unknown as ServerChannel);
    await vi.waitFor(() => expect(runs).toHaveLength(2), { timeout: 5000, interval: 5 });
    connections.announce(DRAIN_NOTICE);
    expect(t.err()).toBe(`\r\n${DRAIN_NOTICE}\r\n`);
    expect(p.err()).toBe("");
    expect(t.channel.exited).toBeUndefined();
    finish({ exitCode: 0 });
    expect(await exitedWith(t.channel)).toEqual([0]);
  });
});
