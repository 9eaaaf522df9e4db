// `puck version`: this CLI's version and the installed operator's (asked of the cluster now), and a
// warning on stderr when they are too far apart (cli/skew.ts says when).
import { PuckError } from "../errors.js";
import type { Io } from "../io.js";
import { createOutput, type DataFormat } from "../output.js";
import { VERSION } from "../version.js";
import { readOperatorVersion, rememberOperatorVersion, skewWarning, skipSkewCheck } from "../skew.js";
import { openTarget, type TargetOptions } from "../target.js";

export async function version(_args: string[], options: TargetOptions & { output?: DataFormat | undefined; client?: boolean | undefined }, io: Io): Promise<number> {
  const out = createOutput(io);
  if (options.client) {
    if (options.output) await out.data({ cli: VERSION }, options.output);
    else out.line(`cli: ${VERSION}`);
    return 0;
  }
  skipSkewCheck();
  let answer;
  let server: string | undefined;
  try {
    const target = await openTarget(options, io);
    server = target.client.access.server;
    answer = await readOperatorVersion(target.client);
  } catch (error) {
    // No usable kubeconfig: the CLI's own version is still worth printing.
    answer = { unknown: error instanceof PuckError ? error.message : error instanceof Error ? error.message : String(error) };
  }
  if (server !== undefined) rememberOperatorVersion(io, server, answer);
  if (options.output) {
    await out.data({ cli: VERSION, operator: "version" in answer ? answer.version : null, ...("unknown" in answer ? { reason: answer.unknown } : {}) }, options.output);
  } else {
    out.line(`cli: ${VERSION}`);
    out.line(`operator: ${"version" in answer ? answer.version : `unknown (${answer.unknown})`}`);
  }
  const warning = "version" in answer ? skewWarning(VERSION, answer.version) : undefined;
  if (warning) out.warn(warning);
  return 0;
}
