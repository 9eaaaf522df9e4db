// The terminal while a command owns it (puck top's screen, connect's remote shell): raw mode, resizes,
// keys and the signals that end it, and the terminal given back as it was on every way out.
import type { Io } from "./io.js";

/** The signals that end a session; the shell's exit code for each. */
export const SESSION_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
export type SessionSignal = keyof typeof SESSION_SIGNALS;

export interface TerminalSessionOptions {
  /** Keys reach the program one by one, unechoed (only when stdin is a terminal). */
  raw: boolean;
  /** Entered with the session and left when it ends, e.g. output.ts's fullScreen. */
  screen?: { enter(): void; leave(): void };
  /** Reads stdin for keys; without it, stdin is left to whoever reads it (connect's WebSocket). */
  onInput?: (data: Buffer | string) => void;
  onResize?: () => void;
  /** SIGINT, SIGTERM or SIGHUP arrived: the caller ends the session. */
  onSignal: (signal: SessionSignal) => void;
}

export interface TerminalSession {
  /** Whether the terminal is in raw mode. */
  readonly raw: boolean;
  /** Gives the terminal back: listeners off, raw mode off, stdin paused, screen left. Idempotent. */
  end(): void;
}

export function openTerminalSession(io: Io, options: TerminalSessionOptions): TerminalSession {
  const raw = options.raw && io.stdin.isTTY === true && typeof io.stdin.setRawMode === "function";
  const signals = Object.keys(SESSION_SIGNALS) as SessionSignal[];
  const onSignal = (signal: NodeJS.Signals) => options.onSignal(signal as SessionSignal);
  const { onInput, onResize } = options;
  let ended = false;
  // A process that exits under the session (an uncaught error, process.exit) still restores the terminal.
  const restore = () => {
    if (ended) return;
    ended = true;
    if (raw) io.stdin.setRawMode?.(false);
    io.stdin.pause();
    options.screen?.leave();
  };
  const end = () => {
    for (const s of signals) process.off(s, onSignal);
    process.off("exit", restore);
    if (onInput) io.stdin.off("data", onInput);
    if (onResize) io.stdout.off?.("resize", onResize);
    restore();
  };

  process.once("exit", restore);
  for (const s of signals) process.on(s, onSignal);
  options.screen?.enter();
  if (raw) io.stdin.setRawMode?.(true);
  if (onInput) {
    io.stdin.on("data", onInput);
    io.stdin.resume();
  }
  if (onResize) io.stdout.on?.("resize", onResize);
  return { raw, end };
}
