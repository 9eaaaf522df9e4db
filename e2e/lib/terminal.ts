// A real terminal for e2e tests: runs a program under node-pty and lets a test wait for text on
// its screen, type into it, resize it, and collect its exit code.
import { spawn } from "node-pty";
import { waitFor } from "./wait.js";

export interface Terminal {
  /** Everything written to the terminal so far (escape sequences included). */
  output(): string;
  /** The output with escape sequences removed. */
  text(): string;
  write(data: string): void;
  resize(columns: number, rows: number): void;
  /**
   * Resizes, then asks the shell in it (`stty size`) until it reports the new size: the resize
   * travels on its own message, so a command typed right after it may still see the old one.
   */
  resizeAndConfirm(columns: number, rows: number, options: { what: string; timeoutMs: number; intervalMs: number; describe?: () => unknown }): Promise<void>;
  /** Waits until the text matches; fails with the last screen. */
  waitForText(pattern: RegExp, timeoutMs?: number, what?: string): Promise<void>;
  exited(timeoutMs?: number): Promise<number>;
  kill(): void;
}

// eslint-disable-next-line no-control-regex
export const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r/g, "");

export function openTerminal(
  file: string,
  args: string[],
  options: { env?: Record<string, string>; columns?: number; rows?: number; cwd?: string } = {},
): Terminal {
  const term = spawn(file, args, {
    name: "xterm-256color",
    cols: options.columns ?? 100,
    rows: options.rows ?? 30,
    cwd: options.cwd ?? process.cwd(),
    env: { ...(process.env as Record<string, string>), ...options.env },
  });
  let output = "";
  let exitCode: number | undefined;
  term.onData((d) => (output += d));
  term.onExit(({ exitCode: code }) => (exitCode = code));
  const screen = () => `exit=${exitCode} screen tail:\n${stripAnsi(output).slice(-1500)}`;
  return {
    output: () => output,
    text: () => stripAnsi(output),
    write: (data) => term.write(data),
    resize: (c, r) => term.resize(c, r),
    resizeAndConfirm: async (c, r, options) => {
      term.resize(c, r);
      const reported = new RegExp(`^${r} ${c}$`, "m");
      await waitFor(() => {
        if (reported.test(stripAnsi(output))) return true;
        term.write("stty size\r");
        return false;
      }, options);
    },
    waitForText: (pattern, timeoutMs = 60_000, what) =>
      waitFor(() => pattern.test(stripAnsi(output)), {
        what: what ?? `terminal text ${pattern}`,
        timeoutMs,
        intervalMs: 50,
        describe: screen,
      }).then(() => undefined),
    exited: (timeoutMs = 30_000) =>
      waitFor(() => (exitCode === undefined ? undefined : { code: exitCode }), {
        what: `${file} to exit`,
        timeoutMs,
        intervalMs: 50,
        describe: screen,
      }).then((r) => r.code),
    kill: () => {
      if (exitCode === undefined) term.kill();
    },
  };
}
