// What the SSH layer needs from the cluster, as one interface: a Sprite's keys, its wake, programs
// run in it and connections to its ports. The Kubernetes implementation lives beside it; the SSH
// layer knows nothing of Kubernetes.
import type { Duplex, Readable, Writable } from "node:stream";
import type { SessionEnd } from "../operator/api/index.js";
import type { SpriteRef } from "../sprite-client/sprite-ref.js";

export interface TerminalSize {
  cols: number;
  rows: number;
}

export interface Terminal extends TerminalSize {
  /** The client's $TERM, e.g. xterm-256color. */
  term: string;
}

/** What runs in the Sprite for a session channel. */
export type Program =
  | { kind: "shell" }
  /** `ssh dev@gw CMD`: run by the user's shell, as sshd does. */
  | { kind: "exec"; command: string }
  /** The sftp subsystem (sftp, scp's default mode, VS Code). */
  | { kind: "sftp" };

export interface RunRequest {
  program: Program;
  /** Present when the client asked for a pty. */
  terminal?: Terminal;
  /** Variables the client sent that the gateway passes on (LANG, LC_*, TERM). */
  env: Record<string, string>;
  stdin: Readable;
  stdout: Writable;
  /** With a terminal, stderr is merged into stdout by the terminal itself. */
  stderr: Writable;
  /** Registers a listener for the client's window changes. */
  onResize(listener: (size: TerminalSize) => void): void;
  /** Aborted when the client goes away: the program's connection is closed. */
  signal: AbortSignal;
}

export type RunResult = { exitCode: number } | { exitSignal: string };

/** A wake that could not complete: `message` is the one line the user sees. */
export class WakeFailed extends Error {}

export interface SpriteBackend {
  /** The Sprite's spec.authorizedKeys, or undefined when there is no such Sprite. */
  authorizedKeys(ref: SpriteRef): Promise<readonly string[] | undefined>;
  /** Wakes the Sprite (or joins a wake under way) and resolves once a program can run in it. */
  wake(ref: SpriteRef, progress: (step: string) => void, signal: AbortSignal): Promise<void>;
  run(ref: SpriteRef, request: RunRequest): Promise<RunResult>;
  /**
   * Why a session that began at `sinceMs` ended from the Sprite's side (it hibernated, was deleted,
   * its pod stopped), or undefined when the Sprite and its pod are as they were.
   */
  explainEnd(ref: SpriteRef, sinceMs: number): Promise<SessionEnd | undefined>;
  /** Connects `stream` to the port on the Sprite's localhost until either side ends. */
  forward(ref: SpriteRef, port: number, stream: Duplex, signal: AbortSignal): Promise<void>;
}
