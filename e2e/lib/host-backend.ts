// A SpriteBackend whose "Sprite" is this machine: programs run as real processes here (a pty from
// node-pty for terminals, pipes otherwise, OpenSSH's own sftp-server for sftp) and forwards reach
// real local ports. It lets the gateway's SSH layer be driven by real OpenSSH clients without a
// cluster; the Kubernetes backend is tested against the cluster on its own.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import * as pty from "node-pty";
import { WakeFailed, type RunRequest, type RunResult, type SpriteBackend } from "../../gateway/backend.js";
import type { SpriteRef } from "../../sprite-client/sprite-ref.js";
import type { SessionEnd } from "../../operator/api/index.js";

export const SFTP_SERVER = "/usr/lib/openssh/sftp-server";

export interface HostSprite {
  authorizedKeys: string[];
  /** Working directory of its programs: its "home". */
  home: string;
  /** A wake that fails with this one-line reason. */
  failsToStart?: string;
  /** What explainEnd says of a session that ended without its status or killed (as if it hibernated). */
  endsSessions?: SessionEnd;
}

export class HostBackend implements SpriteBackend {
  readonly wakes: string[] = [];
  readonly sprites = new Map<string, HostSprite>();

  private sprite(ref: SpriteRef): HostSprite {
    const sprite = this.sprites.get(`${ref.namespace}/${ref.name}`);
    if (!sprite) throw new Error(`no Sprite ${ref.namespace}/${ref.name}`);
    return sprite;
  }

  async authorizedKeys(ref: SpriteRef): Promise<readonly string[] | undefined> {
    return this.sprites.get(`${ref.namespace}/${ref.name}`)?.authorizedKeys;
  }

  async wake(ref: SpriteRef, progress: (step: string) => void): Promise<void> {
    this.wakes.push(`${ref.namespace}/${ref.name}`);
    progress("starting the pod");
    const reason = this.sprite(ref).failsToStart;
    if (reason) throw new WakeFailed(reason);
  }

  run(ref: SpriteRef, request: RunRequest): Promise<RunResult> {
    const { home } = this.sprite(ref);
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, ...request.env };
    if (request.terminal && request.program.kind !== "sftp") {
      const command = request.program.kind === "exec" ? ["-c", request.program.command] : [];
      const term = pty.spawn("/bin/sh", command, { cwd: home, cols: request.terminal.cols, rows: request.terminal.rows, env: { ...env, TERM: request.terminal.term, PS1: "host$ " } });
      term.onData((data) => request.stdout.write(data));
      request.stdin.on("data", (data: Buffer) => term.write(data.toString("utf8")));
      request.onResize((size) => term.resize(size.cols, size.rows));
      request.signal.addEventListener("abort", () => term.kill());
      return new Promise((resolve) => term.onExit(({ exitCode }) => resolve({ exitCode })));
    }
    const [file, args] = request.program.kind === "sftp" ? [SFTP_SERVER, []] : ["/bin/sh", request.program.kind === "exec" ? ["-c", request.program.command] : []];
    const child = spawn(file, args, { cwd: home, env, stdio: ["pipe", "pipe", "pipe"] });
    request.stdin.pipe(child.stdin);
    child.stdout.pipe(request.stdout, { end: false });
    child.stderr.pipe(request.stderr, { end: false });
    request.signal.addEventListener("abort", () => child.kill("SIGKILL"));
    // Resolve only once both output pipes have drained into the channel.
    const drained = Promise.all([new Promise((r) => child.stdout.on("end", r)), new Promise((r) => child.stderr.on("end", r))]);
    return new Promise((resolve) =>
      child.on("exit", (code, signal) => {
        void drained.then(() => resolve(signal ? { exitSignal: signal.replace(/^SIG/, "") } : { exitCode: code ?? 255 }));
      }),
    );
  }

  async explainEnd(ref: SpriteRef): Promise<SessionEnd | undefined> {
    return this.sprite(ref).endsSessions;
  }

  forward(_ref: SpriteRef, port: number, stream: Duplex, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        stream.pipe(socket);
        socket.pipe(stream);
      });
      socket.once("error", reject);
      socket.once("close", () => resolve());
      signal.addEventListener("abort", () => socket.destroy());
    });
  }
}
