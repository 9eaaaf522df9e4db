// `puck logs NAME [SERVICE] [-f] [--tail N]`: the services' output kept on the Sprite's volume, read with tail in the Sprite.
import { PassThrough } from "node:stream";
import { HOME_DIR } from "../../operator/api/index.js";
import { EXIT, PuckError } from "../errors.js";
import type { Io } from "../io.js";
import { checkServiceName } from "../service-spec.js";
import { getSprite } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";
import { connect } from "./connect.js";

export type LogsOptions = TargetOptions & { follow?: boolean | undefined; tail?: string | undefined; timeout: number };

/** Where the supervisor writes each service's output (operator/sprite/services-script.ts). */
const LOG_DIR = `${HOME_DIR}/.puck/log`;

/** The tail command: one service's log (its rotated half first when more lines are asked than it has), or all. */
export function tailCommand(service: string | undefined, lines: number, follow: boolean): string[] {
  const files = service ? `${LOG_DIR}/${service}.log` : `${LOG_DIR}/*.log`;
  const old = service ? `[ -f ${LOG_DIR}/${service}.log.1 ] && [ $(wc -l < ${LOG_DIR}/${service}.log) -lt ${lines} ] && tail -n ${lines} ${LOG_DIR}/${service}.log.1; ` : "";
  const missing = service ? `[ -f ${files} ] || { echo "no log for service ${service} (${files})" >&2; exit 1; }; ` : "";
  // A follow ends with the connection: an exec's process outlives its client (the runtime keeps its
  // output open), and a tail left behind would keep the Sprite awake. Its stdin ends when puck goes.
  const tail = follow ? `tail -n ${lines} -f ${files} & t=$!; cat >/dev/null; kill $t` : `exec tail -n ${lines} ${files}`;
  return ["/bin/sh", "-c", `${missing}${old}${tail}`];
}

export async function logs([name, service]: string[], options: LogsOptions, io: Io): Promise<number> {
  if (service !== undefined) checkServiceName(service);
  const lines = options.tail === undefined ? 100 : Number(options.tail);
  if (!Number.isInteger(lines) || lines < 0) throw new PuckError(`--tail "${options.tail}" is not a number of lines`, "e.g. --tail 50", EXIT.usage);
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
  return connect([name!, ...tailCommand(service, lines, follow)], { ...options, tty: false, stdin: follow }, session);
}
