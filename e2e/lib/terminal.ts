// A real terminal for e2e tests: runs a program under node-pty and lets a test wait for text on
// its screen, type into it, and collect its exit code.
import { spawn, type IPty } from "node-pty";
import { waitFor } from "./wait.js";

export interface Terminal {
  /** Everything the program has written so far, escape sequences included. */
  output(): string;
  /** Waits until the output matches, failing with the screen's tail after the deadline. */
  expect(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  type(text: string): void;
  resize(cols: number, rows: number): void;
  /** Resolves with the exit code once the program has exited. */
  exited(timeoutMs?: number): Promise<number>;
  kill(): void;
}

export function openTerminal(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cols?: number; rows?: number; cwd?: string } = {},
): Terminal {
  const pty: IPty = spawn(file, args, {
    name: "xterm-256color",
    cols: options.cols ?? 120,
    rows: options.rows ?? 40,
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env } as Record<string, string>,
  });
  let output = "";
  let exitCode: number | undefined;
  pty.onData((data) => (output += data));
  pty.onExit(({ exitCode: code }) => (exitCode = code));
  const tail = () => JSON.stringify(output.slice(-800));
  return {
    output: () => output,
    expect: async (pattern, timeoutMs = 30_000) => {
      await waitFor(() => (typeof pattern === "string" ? output.includes(pattern) : pattern.test(output)), {
        timeoutMs,
        what: `terminal output matching ${String(pattern)}`,
        describe: tail,
      });
    },
    type: (text) => pty.write(text),
    resize: (cols, rows) => pty.resize(cols, rows),
    exited: (timeoutMs = 30_000) =>
      waitFor(() => exitCode, { timeoutMs, what: `${file} to exit`, describe: tail }),
    kill: () => {
      if (exitCode === undefined) pty.kill();
    },
  };
}
