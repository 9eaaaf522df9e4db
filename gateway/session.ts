// One SSH session channel: collects what the client asks for before it starts a program (a pty,
// environment, window size), then wakes the Sprite and runs the program in it, and reports how
// the program ended with exit-status or exit-signal.
import { EventEmitter } from "node:events";
import type { ServerChannel, Session } from "ssh2";
import type { Logger } from "../kube/logger.js";
import { EXIT_SESSION_ENDED, mayBeSpriteSide } from "../sprite-client/session-end.js";
import { WakeFailed, type Program, type RunResult, type SpriteBackend, type Terminal, type TerminalSize } from "./backend.js";
import type { Authenticated } from "./authenticator.js";

/** Variables a client may set in the Sprite, as OpenSSH's default AcceptEnv allows. */
const PASSED_ENV = /^(LANG|LC_[A-Z]+|TERM|COLORTERM)$/;

/** Exit status of a session whose Sprite could not start, as `puck connect` uses it. */
export const EXIT_NOT_STARTED = 3;
/** Exit status of a session that ended without its program's status, for a reason the Sprite does not explain (the connection to the cluster dropped). */
export const EXIT_LOST = 255;

export interface SessionDeps {
  backend: SpriteBackend;
  who: Authenticated;
  /** Wakes the Sprite once per connection; every channel waits on the same wake. */
  wake: (progress: (step: string) => void) => Promise<void>;
  /** Aborted when the connection closes. */
  signal: AbortSignal;
  log: Logger;
  /** Registers a session with a terminal, to be told a line (a drain); returns the call that forgets it. */
  addTerminal?: (tell: (line: string) => void) => () => void;
}

export function handleSession(session: Session, deps: SessionDeps): void {
  let terminal: Terminal | undefined;
  const env: Record<string, string> = {};
  const resizes = new EventEmitter();
  let started = false;

  session.on("pty", (accept, reject, info) => {
    if (!deps.who.key.restrictions.pty) return reject?.();
    terminal = { term: info.term || "xterm", cols: info.cols || 80, rows: info.rows || 24 };
    accept?.();
  });
  session.on("window-change", (accept, _reject, info) => {
    const size: TerminalSize = { cols: info.cols, rows: info.rows };
    if (terminal) terminal = { ...terminal, ...size };
    resizes.emit("resize", size);
    accept?.();
  });
  session.on("env", (accept, reject, info) => {
    if (!PASSED_ENV.test(info.key) || info.val.length > 256) return reject?.();
    env[info.key] = info.val;
    accept?.();
  });
  // Kubernetes carries no signals to a program; a terminal's keys (Ctrl-C) still reach it as bytes.
  session.on("signal", (_accept, reject) => reject?.());
  session.on("auth-agent", (_accept, reject) => reject?.());
  session.on("x11", (_accept, reject) => reject?.());

  const start = (program: Program, accept: () => ServerChannel) => {
    if (started) return;
    started = true;
    const channel = accept();
    void runProgram(channel, program, terminal, env, resizes, deps);
  };
  session.on("shell", (accept) => start({ kind: "shell" }, accept));
  session.on("exec", (accept, _reject, info) => start({ kind: "exec", command: info.command }, accept));
  session.on("subsystem", (accept, reject, info) => {
    if (info.name !== "sftp") return reject?.();
    start({ kind: "sftp" }, accept);
  });
}

async function runProgram(
  channel: ServerChannel,
  program: Program,
  terminal: Terminal | undefined,
  env: Record<string, string>,
  resizes: EventEmitter,
  deps: SessionDeps,
): Promise<void> {
  const { sprite } = deps.who;
  const interactive = program.kind === "shell" && terminal !== undefined;
  const finish = (result: { exitCode: number } | { exitSignal: string }) => {
    if ("exitCode" in result) channel.exit(result.exitCode);
    else channel.exit(result.exitSignal, false, "");
    channel.end();
  };
  const started = Date.now();
  try {
    await deps.wake((step) => {
      // Only a person at a terminal reads progress; scp, rsync and editors want clean streams.
      if (interactive) channel.write(`\r\x1b[2Kwaking ${sprite.name}… ${((Date.now() - started) / 1000).toFixed(1)} s (${step})`);
    });
    if (interactive && Date.now() - started > 300) channel.write(`\r\x1b[2K${sprite.name} is awake (${((Date.now() - started) / 1000).toFixed(1)} s)\r\n`);
  } catch (error) {
    const message = error instanceof WakeFailed ? error.message : `the gateway could not wake it (${(error as Error).message})`;
    // A Sprite that cannot start is the user's to fix (its line says how); an error on the way is the gateway's.
    if (error instanceof WakeFailed) deps.log.warn("Wake failed", { reason: message });
    else deps.log.error("Wake failed", { reason: message, error });
    const line = `puck: Sprite ${sprite.name} cannot start: ${message}`;
    if (terminal) channel.write(`\r\x1b[2K${line}\r\n`);
    else channel.stderr.write(`${line}\n`);
    return finish({ exitCode: EXIT_NOT_STARTED });
  }
  const controller = new AbortController();
  const abort = () => controller.abort();
  deps.signal.addEventListener("abort", abort, { once: true });
  channel.on("close", abort);
  const since = Date.now();
  // A line for the person at the other end, on stderr: a terminal in raw mode needs its carriage return.
  const tell = (line: string) => channel.stderr.write(terminal ? `\r\n${line}\r\n` : `${line}\n`);
  const forget = terminal ? deps.addTerminal?.(tell) : undefined;
  deps.log.debug("Session started", { program: program.kind, terminal: terminal !== undefined });
  let outcome: RunResult | "lost";
  let lostBecause = "";
  try {
    outcome = await deps.backend.run(sprite, {
      program,
      ...(terminal ? { terminal } : {}),
      env,
      stdin: channel,
      stdout: channel,
      stderr: channel.stderr,
      onResize: (listener) => resizes.on("resize", listener),
      signal: controller.signal,
    });
  } catch (error) {
    lostBecause = (error as Error).message;
    outcome = "lost";
  } finally {
    deps.signal.removeEventListener("abort", abort);
    forget?.();
  }
  // The client went away first: nobody is left to tell.
  if (controller.signal.aborted) return deps.log.info("Session ended", { program: program.kind, reason: "the client went away", runMs: Date.now() - since });
  const code = outcome === "lost" ? "lost" : "exitCode" in outcome ? outcome.exitCode : undefined;
  if (code !== undefined && mayBeSpriteSide(code)) {
    // The same question and the same line as `puck connect`: did the Sprite end it, and how to come back.
    const end = await deps.backend.explainEnd(sprite, since).catch(() => undefined);
    if (end) {
      deps.log.info("Session ended by the Sprite", { program: program.kind, cause: end.cause });
      tell(`puck: ${end.text}`);
      return finish({ exitCode: EXIT_SESSION_ENDED });
    }
  }
  if (outcome === "lost") {
    deps.log.error("Session lost", { program: program.kind, error: lostBecause });
    tell(`puck: the session in ${sprite.name} ended: ${lostBecause}`);
    return finish({ exitCode: EXIT_LOST });
  }
  deps.log.info("Session ended", { program: program.kind, ...outcome, wakeMs: since - started, runMs: Date.now() - since });
  finish(outcome);
}
