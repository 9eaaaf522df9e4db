// `puck service ACTION NAME [SERVICE] [-- COMMAND...]`: the programs a Sprite starts at every wake (spec.services).
import { SPRITES, type Sprite, type SpriteService } from "../../operator/api/index.js";
import { isStatus } from "../../kube/errors.js";
import { resourcePath } from "../../kube/paths.js";
import { EXIT, PuckError, toPuckError } from "../errors.js";
import type { Io } from "../io.js";
import { createOutput } from "../output.js";
import { SERVICE_ACTIONS, SERVICE_HEADERS, changeServices, checkServiceName, serviceFromFlags, serviceRows, type ServiceAction, type ServiceFlags } from "../service-spec.js";
import { getSprite, type Target } from "../sprites.js";
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
  await updateServices(target, name!, (list) => changeServices(list, verb, svc, io.now(), added));
  out.success(`Service ${svc} of Sprite ${name} ${DONE[verb]}`);
  return 0;
}

/** Read, change, write with the version read (a concurrent change is read again, not overwritten). */
async function updateServices(target: Target, name: string, change: (list: readonly SpriteService[]) => SpriteService[]): Promise<void> {
  const path = resourcePath(SPRITES, { namespace: target.namespace, name });
  for (let attempt = 1; ; attempt++) {
    const sprite = await getSprite(target, name);
    const body = { metadata: { resourceVersion: sprite.metadata.resourceVersion }, spec: { services: change(sprite.spec.services ?? []) } };
    try {
      await target.client.request<Sprite>("PATCH", path, { body, contentType: "application/merge-patch+json" });
      return;
    } catch (error) {
      if (attempt < 3 && isStatus(error, 409)) continue;
      throw toPuckError(error, { action: `update Sprite ${name}`, verb: "patch", sprite: name, namespace: target.namespace, server: target.client.access.server });
    }
  }
}
