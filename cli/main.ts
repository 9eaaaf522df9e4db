// Entry point of `puck`: runs the command line and turns every outcome into an exit code.
import { PuckError } from "./errors.js";
import { processIo } from "./io.js";
import { runCli } from "./program.js";

const io = processIo();

async function main(): Promise<number> {
  try {
    return await runCli(process.argv.slice(2), io);
  } catch (error) {
    if (error instanceof PuckError) {
      // Only the output module knows about colour; load it only on this path.
      const { formatError } = await import("./output.js");
      io.stderr.write(formatError(io, error.message, error.hint));
      return error.exitCode;
    }
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr.write(`puck: unexpected error (a bug in puck); please report it with this output:\n${stack}\n`);
    return 70;
  }
}

const code = await main();
// Flush stdout before exiting: process.exit would cut a piped listing short.
if (process.stdout.writableLength > 0) process.stdout.once("drain", () => process.exit(code));
else process.exit(code);
