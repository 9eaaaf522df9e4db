// A captured Io for command tests: what a command wrote, without a process or a terminal.
import { PassThrough } from "node:stream";
import type { InStream, Io, OutStream } from "./io.js";

export interface CapturedIo extends Io {
  out: () => string;
  err: () => string;
}

export function captureIo(options: { tty?: boolean; env?: Record<string, string>; now?: Date } = {}): CapturedIo {
  let out = "";
  let err = "";
  const stream = (append: (s: string) => void): OutStream => ({
    write: (chunk) => {
      append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return true;
    },
    isTTY: options.tty ?? false,
    columns: 100,
    rows: 30,
  });
  const stdin = new PassThrough() as unknown as InStream;
  stdin.isTTY = options.tty ?? false;
  return {
    stdout: stream((s) => (out += s)),
    stderr: stream((s) => (err += s)),
    stdin,
    env: options.env ?? {},
    now: () => options.now ?? new Date("2026-01-01T12:00:00Z"),
    out: () => out,
    err: () => err,
  };
}
