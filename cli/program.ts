// The program `puck`: its global flags and the commands of command-table.ts, parsed by commander.
import { Command, CommanderError } from "commander";
import { COMMANDS, type CommandEntry } from "./command-table.js";
import { GLOBAL_FLAGS, type Flags } from "./flags.js";
import type { Io } from "./io.js";
import { VERSION } from "./version.js";

const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}\n`;

const addFlags = (command: Command, flags: Flags) => {
  for (const flag of Object.values(flags)) command.addOption(flag.option());
  return command;
};

/** Builds the program from the command table; `run` receives the entry and its parsed input. */
export function buildProgram(io: Io, run: (entry: CommandEntry, args: string[], options: Record<string, unknown>) => Promise<number>) {
  const program = new Command("puck")
    .description("Sprites on your Kubernetes: persistent Linux machines that hibernate when idle and wake when you connect.")
    .version(VERSION, "-v, --version", "print puck's version");
  addFlags(program, GLOBAL_FLAGS)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .addHelpText(
      "after",
      examples([
        "puck create dev --image puck-sprite:dev --storage 20Gi",
        "puck connect dev               # wakes it if needed, then opens a shell",
        "puck connect dev -- make test  # runs a command, passes its exit code",
        "puck list -w",
        "puck top",
      ]),
    );

  let result: Promise<number> = Promise.resolve(0);
  for (const entry of COMMANDS) {
    const command = program.command(entry.name).description(entry.description).exitOverride();
    if (entry.alias) command.alias(entry.alias);
    for (const [syntax, description] of entry.arguments ?? []) command.argument(syntax, description);
    addFlags(command, entry.flags);
    if (entry.examples) command.addHelpText("after", examples(entry.examples));
    if (entry.notes) command.addHelpText("after", entry.notes);
    command.action((...received: unknown[]) => {
      // Positional arguments come first; a variadic one (connect's remote command) is an array.
      const args = received
        .slice(0, command.registeredArguments.length)
        .flatMap((a) => (Array.isArray(a) ? a.map(String) : a === undefined ? [] : [String(a)]));
      result = run(entry, args, command.optsWithGlobals());
    });
  }
  return { program, result: () => result };
}

/** Parses argv and runs the command; returns the exit code. Usage errors return 2. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const { program, result } = buildProgram(io, (entry, args, options) => entry.run(args, options, io));
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return 0;
      if (error.code === "commander.executeSubCommandAsync") return error.exitCode;
      return 2;
    }
    throw error;
  }
  if (program.args.length === 0 && argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  return result();
}
