// The gateway's SpriteBackend on the cluster: keys read from the Sprite, the shared wake path
// (sprite-client/wake.ts), programs run over the exec WebSocket and forwards over the port-forward
// WebSocket of the Sprite's pod — all with the gateway's own service account.
import type { Duplex, Readable } from "node:stream";
import { Writable } from "node:stream";
import { Exec } from "@kubernetes/client-node/dist/exec.js";
import { WebSocketHandler } from "@kubernetes/client-node/dist/web-socket-handler.js";
import type { KubeClient } from "../kube/client.js";
import { isStatus } from "../kube/errors.js";
import { socketConfig } from "../kube/exec-socket.js";
import { outcomeOf, type ExecStatus } from "../kube/exec-status.js";
import { openPortForward, splice } from "../kube/port-forward.js";
import { HOME_DIR, MAIN_CONTAINER, childNames, type SessionEnd } from "../operator/api/index.js";
import { explainSessionEnd } from "../sprite-client/session-end.js";
import type { SpriteRef } from "../sprite-client/sprite-ref.js";
import { getSprite } from "../sprite-client/sprites.js";
import { follow, wakeClient, WakeError } from "../sprite-client/wake.js";
import { holdBackWhileBuffered, writeHoldingBack, type FlowSocket } from "./flow.js";
import { WakeFailed, type Program, type RunRequest, type RunResult, type SpriteBackend } from "./backend.js";

/** sftp-server where Debian, Ubuntu, Fedora and Alpine put it; an image without one is told what to install. */
const SFTP = `for s in /usr/lib/openssh/sftp-server /usr/libexec/openssh/sftp-server /usr/lib/ssh/sftp-server; do
  [ -x "$s" ] && exec "$s"
done
echo "puck: this Sprite's image has no sftp-server: install it (Debian/Ubuntu: openssh-sftp-server, Alpine: openssh-sftp-server)" >&2
exit 127`;

/** Quotes a value for /bin/sh. */
const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * The command a session runs, as sshd would: in the home directory, the login shell (bash when the
 * image has it, else sh) or the client's command run by it, with the variables the client sent.
 */
export function sessionCommand(program: Program, env: Record<string, string>): string[] {
  const exports = Object.entries(env).map(([k, v]) => `export ${k}=${quote(v)}; `).join("");
  const prelude = `${exports}cd ${HOME_DIR} 2>/dev/null; `;
  const shell = `if command -v bash >/dev/null; then S=bash; else S=sh; fi; `;
  switch (program.kind) {
    case "shell":
      return ["/bin/sh", "-c", `${prelude}${shell}exec "$S" -l`];
    case "exec":
      return ["/bin/sh", "-c", `${prelude}${shell}exec "$S" -c "$1"`, "sh", program.command];
    case "sftp":
      return ["/bin/sh", "-c", `${prelude}${SFTP}`];
  }
}

export interface KubeBackendOptions {
  /** How long a wake may take before the session is told it failed. */
  wakeTimeoutMs?: number;
  now?: () => Date;
}

export class KubeBackend implements SpriteBackend {
  constructor(
    private readonly client: KubeClient,
    private readonly options: KubeBackendOptions = {},
  ) {}

  async authorizedKeys(ref: SpriteRef): Promise<readonly string[] | undefined> {
    try {
      const sprite = await getSprite(this.client, ref);
      return sprite.spec.authorizedKeys ?? [];
    } catch (error) {
      // 403 too: a namespace the gateway may not read holds no Sprite it can serve.
      if (isStatus(error, 404) || isStatus(error, 403)) return undefined;
      throw error;
    }
  }

  async wake(ref: SpriteRef, progress: (step: string) => void, signal: AbortSignal): Promise<void> {
    // As `puck connect` does: a command that runs in the new pod makes the wake ready up to a second
    // before the status says so; a session starts that much sooner.
    const client = wakeClient(this.client, ref.namespace, { execLibrary: async () => [{ Exec }, { WebSocketHandler }] });
    const now = this.options.now?.() ?? new Date();
    try {
      const patched = await client.requestWake(ref.name, now);
      await follow(client, patched, {
        timeoutMs: this.options.wakeTimeoutMs ?? 180_000,
        signal,
        onVerdict: (v) => {
          if (v.state === "waiting") progress(v.step);
        },
      });
    } catch (error) {
      if (error instanceof WakeError) throw new WakeFailed(error.message);
      if (isStatus(error, 404)) throw new WakeFailed("the Sprite is gone");
      throw error;
    }
  }

  explainEnd(ref: SpriteRef, sinceMs: number): Promise<SessionEnd | undefined> {
    return explainSessionEnd(this.client, ref, childNames(ref.name).pod, sinceMs);
  }

  private async handler() {
    return socketHandler(this.client);
  }

  async run(ref: SpriteRef, request: RunRequest): Promise<RunResult> {
    const { config, handler } = await this.handler();
    const pod = childNames(ref.name).pod;
    const tty = request.terminal !== undefined && request.program.kind !== "sftp";
    const env = { ...request.env, ...(tty ? { TERM: request.terminal!.term } : {}) };
    // client-node sends the window size from an output stream that has rows, columns and resize events.
    // The socket once open: output written before then has nothing to hold back yet.
    const opened: { socket?: FlowSocket } = {};
    const stdout = Object.assign(forward(request.stdout, () => opened.socket), tty ? { rows: request.terminal!.rows, columns: request.terminal!.cols } : {});
    if (tty) {
      request.onResize((size) => {
        stdout.rows = size.rows;
        stdout.columns = size.cols;
        stdout.emit("resize");
      });
    }
    let status: ExecStatus | undefined;
    const socket = await new Exec(config, handler).exec(
      ref.namespace,
      pod,
      MAIN_CONTAINER,
      sessionCommand(request.program, env),
      stdout,
      tty ? null : forward(request.stderr, () => opened.socket),
      request.stdin as Readable,
      tty,
      (s) => {
        status = s as ExecStatus;
      },
    );
    opened.socket = socket;
    holdBackWhileBuffered(request.stdin, socket);
    request.signal.addEventListener("abort", () => socket.close(), { once: true });
    await new Promise<void>((resolve) => {
      socket.on("close", () => resolve());
      socket.on("error", () => resolve());
    });
    if (!status) throw new Error("the connection to the Sprite closed without the program's exit status (it may have hibernated, or its pod stopped)");
    return { exitCode: outcomeOf(status).code };
  }

  async forward(ref: SpriteRef, port: number, stream: Duplex, signal: AbortSignal): Promise<void> {
    const remote = await openSpritePort(this.client, ref, port);
    await splice(stream, remote, signal);
  }
}

/** client-node's WebSocket opener for the pod's exec and port-forward subresources, with the gateway's access. */
function socketHandler(client: KubeClient) {
  const config = socketConfig(client);
  // The handler's own streams default to the process's: on a v5 close frame it would end the
  // gateway's stdout (its log). The session's streams are passed to exec() instead.
  const inert = { end: () => undefined, pause: () => undefined };
  return { config, handler: new WebSocketHandler(config, undefined, { stdin: inert, stdout: inert, stderr: inert } as never) };
}

/** A connection to `port` on the Sprite's own localhost (its pod's port-forward): `ssh -L` and the URLs. */
export function openSpritePort(client: KubeClient, ref: SpriteRef, port: number): Promise<Duplex> {
  return openPortForward(socketHandler(client).handler, { namespace: ref.namespace, pod: childNames(ref.name).pod, port });
}

/**
 * A Writable that passes chunks to `target` without ever ending it (the SSH channel ends with its
 * exit status); while the target is full, the socket the chunks come from is not read.
 */
function forward(target: Writable, socket: () => FlowSocket | undefined): Writable & { rows?: number; columns?: number } {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (writeHoldingBack(target, chunk, socket)) done();
      else target.once("drain", () => done());
    },
  });
}
