// Declares every command and flag of `puck`; each command's code is imported only when it runs.
import { Command, CommanderError, Option } from "commander";
import type { Io } from "./io.js";

/** Every command: parsed arguments and options in, exit code out. */
export type CommandFn = (args: string[], options: Record<string, unknown>, io: Io) => Promise<number>;

export const VERSION = "0.1.0";

const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}\n`;

const outputOption = (choices: string[]) =>
  new Option("-o, --output <format>", `output format: ${choices.join(", ")}`).choices(choices);

/** Builds the program; `run` receives the command module name and its parsed input. */
export function buildProgram(io: Io, run: (name: string, args: string[], options: Record<string, unknown>) => Promise<number>) {
  const program = new Command("puck")
    .description("Sprites on your Kubernetes: persistent Linux machines that hibernate when idle and wake when you connect.")
    .version(VERSION, "-v, --version", "print puck's version")
    .option("--kubeconfig <file>", "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
    .option("--context <name>", "kubeconfig context to use")
    .option("-n, --namespace <namespace>", "namespace of the Sprites (default: the context's, else default)")
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
  const action =
    (name: string) =>
    (...received: unknown[]) => {
      const command = received[received.length - 1] as Command;
      // Positional arguments come first; a variadic one (connect's remote command) is an array.
      const args = received
        .slice(0, command.registeredArguments.length)
        .flatMap((a) => (Array.isArray(a) ? a.map(String) : a === undefined ? [] : [String(a)]));
      result = run(name, args, command.optsWithGlobals());
    };
  const cmd = (name: string, description: string) => program.command(name).description(description).exitOverride();

  cmd("create", "create a Sprite (prompts for missing values on a terminal)")
    .argument("[name]", "name of the Sprite: lowercase letters, digits and '-'")
    .option("--image <image>", "container image", undefined)
    .option("--storage <size>", "size of the home volume, e.g. 10Gi")
    .option("--storage-class <class>", "StorageClass of the home volume (default: the cluster's)")
    .option("--idle-timeout <duration>", "hibernate after this much inactivity: minutes, or e.g. 45m, 2h")
    .option("--cpu <cpu>", "CPU request, e.g. 500m or 2")
    .option("--memory <memory>", "memory request, e.g. 512Mi")
    .option("--cpu-limit <cpu>", "CPU limit")
    .option("--memory-limit <memory>", "memory limit")
    .option("--authorized-keys <file>", "SSH public keys to authorise (an authorized_keys file)")
    .option("--node <node>", "run on this node (its kubernetes.io/hostname label); a local home volume keeps it there")
    .option("--tolerate <taint>", "tolerate a node taint: KEY[=VALUE][:EFFECT] (repeatable)", (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option("--dry-run", "print the Sprite instead of creating it")
    .addOption(outputOption(["yaml", "json"]))
    .option("--no-wait", "return once created, without waiting until it is Active")
    .option("--timeout <duration>", "how long to wait until it is Active", "5m")
    .addHelpText("after", examples(["puck create dev", "puck create web --image node:24 --idle-timeout 2h --memory 1Gi", "puck create dev --dry-run -o yaml"]))
    .action(action("create"));

  cmd("list", "list Sprites with their phase, sessions and time until hibernation")
    .alias("ls")
    .addOption(outputOption(["wide", "name", "json", "yaml"]))
    .option("-w, --watch", "keep watching and print changes")
    .option("-A, --all-namespaces", "list the Sprites of every namespace")
    .addHelpText("after", examples(["puck list", "puck list -o wide", "puck list -o json | jq '.items[].metadata.name'"]))
    .action(action("list"));

  cmd("connect", "wake a Sprite if needed and open a shell in it, or run a command")
    .argument("<name>", "the Sprite")
    .argument("[command...]", "a command to run instead of a shell (after --)")
    .option("-t, --tty", "give the command a terminal")
    .option("-i, --stdin", "pass stdin to the command (default when stdin is not a terminal)")
    .option("--timeout <duration>", "how long to wait for the Sprite to wake", "5m")
    .addHelpText("after", examples(["puck connect dev", "puck connect dev -- uname -a", "puck connect dev -t -- htop"]))
    .addHelpText(
      "after",
      "Exit codes: the command's own; 255 when the session ended without one (the Sprite hibernated, was deleted\nor its pod stopped — puck says which — or the connection dropped); 3 when the Sprite could not start.",
    )
    .action(action("connect"));

  cmd("wake", "wake a hibernating Sprite and wait until it is Active")
    .argument("<name>", "the Sprite")
    .option("--no-wait", "return once the request is written")
    .option("--timeout <duration>", "how long to wait", "5m")
    .action(action("wake"));

  cmd("hibernate", "hibernate a Sprite now, whatever its activity (its storage is kept)")
    .argument("<name>", "the Sprite")
    .option("-y, --yes", "do not ask, even if someone is using it")
    .action(action("hibernate"));

  cmd("keepawake", "keep a Sprite awake for a while, whatever its activity")
    .argument("<name>", "the Sprite")
    .option("--for <duration>", "how long, e.g. 2h or 90m")
    .option("--until <time>", "until this time (RFC 3339, e.g. 2026-01-01T18:00:00Z)")
    .option("--off", "stop keeping it awake")
    .addHelpText("after", examples(["puck keepawake dev --for 2h", "puck keepawake dev --off"]))
    .action(action("keepawake"));

  cmd("describe", "show a Sprite in detail: spec, status, sessions, why it is awake, recent events")
    .argument("<name>", "the Sprite")
    .action(action("describe"));

  cmd("delete", "delete a Sprite; its home volume is kept unless --purge")
    .argument("<name>", "the Sprite")
    .option("--purge", "delete the home volume too (asks first)")
    .option("-y, --yes", "do not ask")
    .action(action("delete"));

  cmd("top", "live view of every Sprite's activity (q or Ctrl-C quits)")
    .option("--once", "print one frame and exit (the default when stdout is not a terminal)")
    .option("-A, --all-namespaces", "show the Sprites of every namespace")
    .action(action("top"));

  cmd("completion", "print a shell completion script")
    .argument("<shell>", "bash, zsh or fish")
    .addHelpText("after", examples(["source <(puck completion bash)", "puck completion fish > ~/.config/fish/completions/puck.fish"]))
    .action(action("completion"));

  return { program, result: () => result };
}

export const COMMANDS = ["create", "list", "connect", "wake", "hibernate", "keepawake", "describe", "delete", "top", "completion"];

/** Loads a command's module: one dynamic import per command keeps start-up light. */
async function loadCommand(name: string): Promise<CommandFn> {
  switch (name) {
    case "create":
      return (await import("./commands/create.js")).create;
    case "list":
      return (await import("./commands/list.js")).list;
    case "connect":
      return (await import("./commands/connect.js")).connect;
    case "wake":
      return (await import("./commands/wake.js")).wake;
    case "hibernate":
      return (await import("./commands/hibernate.js")).hibernate;
    case "keepawake":
      return (await import("./commands/keepawake.js")).keepawake;
    case "describe":
      return (await import("./commands/describe.js")).describe;
    case "delete":
      return (await import("./commands/delete.js")).deleteCommand;
    case "top":
      return (await import("./commands/top.js")).top;
    case "completion":
      return (await import("./commands/completion.js")).completion;
    default:
      throw new Error(`unknown command module ${name}`);
  }
}

/** Parses argv and runs the command; returns the exit code. Usage errors return 2. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const { program, result } = buildProgram(io, async (name, args, options) => (await loadCommand(name))(args, options, io));
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
