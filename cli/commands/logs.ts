// `puck logs NAME [SERVICE] [-f] [--tail N] [--since D]`: the services' output kept on the Sprite's volume, read in the Sprite.
import { PassThrough } from "node:stream";
import { parseDuration } from "../duration.js";
import { EXIT, PuckError } from "../errors.js";
import type { Io } from "../io.js";
import { logReaderCommand } from "../service-log-reader.js";
import { checkServiceName } from "../service-spec.js";
import { getSprite } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";
import { connect } from "./connect.js";

export type LogsOptions = TargetOptions & { follow?: boolean | undefined; tail?: string | undefined; since?: string | undefined; timeout: number };

export async function logs([name, service]: string[], options: LogsOptions, io: Io): Promise<number> {
  if (service !== undefined) checkServiceName(service);
  const since = options.since === undefined ? undefined : parseDuration(options.since);
  if (since === undefined && options.since !== undefined) throw new PuckError(`--since "${options.since}" is not a duration`, "e.g. --since 10m, --since 1h30m", EXIT.usage);
  // kubectl's habit: --since alone prints all it finds; else the last 100 lines.
  const lines = options.tail === undefined ? (since === undefined ? 100 : undefined) : Number(options.tail);
  if (lines !== undefined && (!Number.isInteger(lines) || lines < 0)) throw new PuckError(`--tail "${options.tail}" is not a number of lines`, "e.g. --tail 50", EXIT.usage);
  const target = await openTarget(options, io);
  const sprite = await getSprite(target, name!);
  // The logs are on the Sprite's volume, which only its pod mounts: reading them would wake it.
  // Starting counts as awake: `puck connect` opens its session before the operator calls it Active.
  if (sprite.status?.phase === "Hibernating" || sprite.status?.phase === "Terminating") {
    throw new PuckError(`Sprite ${name} is not awake: its services' logs are on its volume`, `puck wake ${name}, then puck logs ${name}${service ? ` ${service}` : ""}`, EXIT.failure);
  }
  const follow = options.follow === true;
  // Following: a stdin that never ends while puck runs (not the terminal's: nothing typed goes over).
  const session = follow ? { ...io, stdin: new PassThrough() as unknown as Io["stdin"] } : io;
  const command = logReaderCommand({ service, lines, follow, sinceSeconds: since === undefined ? undefined : since / 1000 });
  return connect([name!, ...command], { ...options, tty: false, stdin: follow }, session);
}
