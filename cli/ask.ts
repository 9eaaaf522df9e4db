// Questions to the person at the terminal: the one module that uses prompts.
import type { Readable, Writable } from "node:stream";
import { loadPrompts } from "./lazy-deps.js";
import type { Io } from "./io.js";
import { PuckError } from "./errors.js";

/** Prompts only make sense with a person on both ends of the terminal. */
export const canAsk = (io: Io) => io.stdin.isTTY === true && io.stderr.isTTY === true;

const onCancel = () => {
  throw new PuckError("cancelled", undefined, 130);
};

export async function confirm(io: Io, message: string): Promise<boolean> {
  const prompts = await loadPrompts();
  const answer = await prompts(
    { type: "confirm", name: "ok", message, initial: false, stdin: io.stdin as unknown as Readable, stdout: io.stderr as unknown as Writable },
    { onCancel },
  );
  return answer.ok === true;
}

/** Asks for a text value; `validate` returns an error message or true. */
export async function askText(
  io: Io,
  message: string,
  initial: string,
  validate?: (value: string) => true | string,
): Promise<string> {
  const prompts = await loadPrompts();
  const answer = await prompts(
    {
      type: "text",
      name: "value",
      message,
      initial,
      validate: validate ?? (() => true),
      stdin: io.stdin as unknown as Readable,
      stdout: io.stderr as unknown as Writable,
    },
    { onCancel },
  );
  return String(answer.value ?? initial);
}
