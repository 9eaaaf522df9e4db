// `puck prune-systems NAME`: delete the earlier systems a Sprite's volume kept after image changes (asks first).
import { formatBytes } from "../../operator/api/index.js";
import { canAsk, confirm } from "../ask.js";
import { EXIT, PuckError } from "../errors.js";
import type { Io } from "../io.js";
import { createOutput } from "../output.js";
import { getSprite, patchSpec } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";

export async function pruneSystems([name]: string[], options: TargetOptions & { yes?: boolean | undefined }, io: Io): Promise<number> {
  const target = await openTarget(options, io);
  const out = createOutput(io);
  const sprite = await getSprite(target, name!);
  const earlier = sprite.status?.volume?.previousSystems ?? [];
  if (earlier.length === 0) {
    out.note(`Sprite ${name} keeps no earlier system on its volume: nothing to delete.`);
    return 0;
  }
  const bytes = formatBytes(earlier.reduce((sum, c) => sum + (c.bytes ?? 0), 0));
  const what = `${earlier.length} earlier system${earlier.length > 1 ? "s" : ""} (${bytes}: ${earlier.map((c) => `from ${c.image ?? "?"}`).join(", ")})`;
  if (!options.yes) {
    if (!canAsk(io)) throw new PuckError(`deleting ${what} of Sprite ${name} cannot be undone`, "add --yes to delete them", EXIT.usage);
    if (!(await confirm(io, `Delete ${what} of Sprite ${name}? What was installed in them is gone for good.`))) {
      out.note("Kept them.");
      return 1;
    }
  }
  await patchSpec(target, name!, { pruneSystemsRequestedAt: io.now().toISOString() });
  // The volume is reached only by the Sprite's own pod (its setup container): an awake Sprite's pod
  // is not replaced for this.
  const when = sprite.status?.phase === "Hibernating" ? "at its next wake" : "at its next start (after it hibernates, or a restart)";
  out.success(`Sprite ${name}'s ${what} will be deleted ${when}; \`puck describe ${name}\` shows when it is done.`);
  return 0;
}
