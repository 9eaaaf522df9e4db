// `puck hibernate NAME`: request a hibernation now, asking first if someone is using the Sprite.
import { canAsk, confirm } from "../ask.js";
import { EXIT, PuckError } from "../errors.js";
import type { Io } from "../io.js";
import { createOutput } from "../output.js";
import { getSprite, patchSpec } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";

export async function hibernate([name]: string[], options: TargetOptions & { yes?: boolean | undefined }, io: Io): Promise<number> {
  const target = await openTarget(options, io);
  const out = createOutput(io);
  const sprite = await getSprite(target, name!);
  const status = sprite.status ?? {};
  const sessions = status.activeSessions ?? 0;
  const busy = status.activity?.busyProcesses?.length ?? 0;
  if ((sessions > 0 || busy > 0) && status.phase !== "Hibernating" && !options.yes) {
    const what = [sessions > 0 ? `${sessions} active session${sessions > 1 ? "s" : ""}` : "", busy > 0 ? `${busy} busy process${busy > 1 ? "es" : ""}` : ""]
      .filter(Boolean)
      .join(" and ");
    if (!canAsk(io)) {
      throw new PuckError(`Sprite ${name} has ${what}; hibernating would stop them`, `add --yes to hibernate it anyway`, EXIT.usage);
    }
    if (!(await confirm(io, `Sprite ${name} has ${what}. Hibernate it anyway?`))) {
      out.note("Left it awake.");
      return 1;
    }
  }
  await patchSpec(target, name!, { hibernateRequestedAt: io.now().toISOString() });
  out.success(`Requested hibernation of Sprite ${name}; its storage is kept. \`puck connect ${name}\` wakes it.`);
  return 0;
}
