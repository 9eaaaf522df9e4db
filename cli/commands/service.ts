// `puck service ACTION NAME [SERVICE] [-- COMMAND...]`: the programs a Sprite starts at every wake (spec.services).
import { EXIT, PuckError } from "../errors.js";
import type { Io } from "../io.js";
import { createOutput } from "../output.js";
import { SERVICE_ACTIONS, SERVICE_HEADERS, changeServices, checkServiceName, serviceFromFlags, serviceRows, type ServiceAction, type ServiceFlags } from "../service-spec.js";
import { getSprite, updateSpec } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";

const DONE: Record<Exclude<ServiceAction, "list">, string> = {
  add: "declared: it starts now if the Sprite is awake, and at every wake",
  remove: "removed: stopped now if it runs, and no longer started",
  start: "started: it starts now if the Sprite is awake, and at every wake",
  stop: "stopped: it stays stopped, across wakes too, until `puck service start`",
  restart: "restarting",
};

export async function service([action, name, serviceName, ...command]: string[], options: TargetOptions & ServiceFlags, io: Io): Promise<number> {
  const verb = SERVICE_ACTIONS.find((a) => a === action);
  if (!verb) throw new PuckError(`unknown action "${action}"`, `use one of: ${SERVICE_ACTIONS.join(", ")}`, EXIT.usage);
  const out = createOutput(io);
  if (verb === "list") {
    const target = await openTarget(options, io);
    const sprite = await getSprite(target, name!);
    const rows = serviceRows(sprite, io.now());
    if (rows.length === 0) out.note(`Sprite ${name} has no services: puck service add ${name} NAME -- COMMAND...`);
    else out.table(SERVICE_HEADERS, rows);
    return 0;
  }
  const svc = checkServiceName(serviceName);
  const added = verb === "add" ? serviceFromFlags(svc, command, options) : undefined;
  if (verb !== "add" && command.length > 0) throw new PuckError(`${verb} takes no command`, `puck service ${verb} ${name} ${svc}`, EXIT.usage);
  const target = await openTarget(options, io);
  await updateSpec(target, name!, (sprite) => ({ services: changeServices(sprite.spec.services ?? [], verb, svc, io.now(), added) }));
  out.success(`Service ${svc} of Sprite ${name} ${DONE[verb]}`);
  return 0;
}
