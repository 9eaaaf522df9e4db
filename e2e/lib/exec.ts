// Runs a program to its end for e2e tests and benchmarks: execFile as a promise.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

/** Resolves with the program's stdout and stderr; rejects on a non-zero exit (the error carries both). */
export const run = promisify(execFile);
