// The flags of puck's commands, each declared with the type its value has once commander parsed it,
// and the flags several commands share declared once, so that they mean the same on every command.
import { Option } from "commander";
import { parseDuration } from "./duration.js";
import { EXIT, PuckError } from "./errors.js";

/** One flag: how to register it with commander, and (a type only) what its parsed value is. */
export interface Flag<T> {
  option(): Option;
  /** Never set: carries the parsed value's type to OptionsOf. */
  readonly value?: T;
}

/** A command's flags by the name commander stores each under (the camel-cased long flag). */
export type Flags = Record<string, Flag<unknown>>;

/** The options object commander hands a command with these flags. */
export type OptionsOf<F extends Flags> = { [K in keyof F]: F[K] extends Flag<infer T> ? T : never };

/** `-w, --watch`: true when given. */
export const switchFlag = (flags: string, description: string): Flag<boolean | undefined> => ({ option: () => new Option(flags, description) });

/** `--no-wait`: true unless given (stored under the name without "no-"). */
export const negatedFlag = (flags: string, description: string): Flag<boolean> => ({ option: () => new Option(flags, description) });

/** `--image <image>`: the text given, if any. */
export const valueFlag = (flags: string, description: string): Flag<string | undefined> => ({ option: () => new Option(flags, description) });

/** `--tolerate <taint>`, repeatable: every value given, in order (none: empty). */
export const repeatedFlag = (flags: string, description: string): Flag<string[]> => ({
  option: () => new Option(flags, `${description} (repeatable)`).default([]).argParser((value: string, previous: string[]) => [...previous, value]),
});

/** `-o, --output <format>`: one of the choices, refused by commander otherwise. */
export const choiceFlag = <const C extends string>(flags: string, description: string, choices: readonly C[]): Flag<C | undefined> => ({
  option: () => new Option(flags, `${description}: ${choices.join(", ")}`).choices(choices),
});

/** A duration flag's value in milliseconds; anything else is a usage error naming the flag. */
export function parseTimeout(value: string, flag: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new PuckError(`${flag} "${value}" is not a duration`, "use e.g. 90s, 5m or 1h", EXIT.usage);
  return ms;
}

/** `--timeout <duration>`: milliseconds; a value that is not a duration is a usage error naming the flag. */
export const durationFlag = (flags: string, description: string, fallback: string): Flag<number> => ({
  option: () => {
    const option = new Option(flags, description);
    const name = option.long ?? flags;
    return option.default(parseTimeout(fallback, name), JSON.stringify(fallback)).argParser((value) => parseTimeout(value, name));
  },
});

/** The flags every command takes: which cluster, which namespace. */
export const GLOBAL_FLAGS = {
  kubeconfig: valueFlag("--kubeconfig <file>", "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)"),
  context: valueFlag("--context <name>", "kubeconfig context to use"),
  namespace: valueFlag("-n, --namespace <namespace>", "namespace of the Sprites (default: the context's, else default)"),
};
export type GlobalOptions = OptionsOf<typeof GLOBAL_FLAGS>;

// Flags of several commands: one declaration each.
export const ALL_NAMESPACES = switchFlag("-A, --all-namespaces", "show the Sprites of every namespace");
export const YES = switchFlag("-y, --yes", "do not ask for confirmation");
export const NO_WAIT = negatedFlag("--no-wait", "return without waiting until the Sprite is Active");
export const WAIT_TIMEOUT = durationFlag("--timeout <duration>", "how long to wait for the Sprite", "5m");
export const output = <const C extends string>(choices: readonly C[]) => choiceFlag("-o, --output <format>", "output format", choices);
