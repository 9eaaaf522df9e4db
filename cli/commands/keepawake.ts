// `puck keepawake NAME --for 2h | --until TIME | --off`: hold a Sprite awake whatever its activity.
import { EXIT, PuckError } from "../errors.js";
import { parseDuration } from "../duration.js";
import type { Io } from "../io.js";
import { createOutput } from "../output.js";
import { getSprite, patchSpec } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";

type KeepAwakeFlags = { for?: string | undefined; until?: string | undefined; off?: boolean | undefined };

/** The keepAwakeUntil value the flags ask for: a time, null to clear it. */
export function keepAwakeUntil(options: KeepAwakeFlags, now: Date): string | null {
  const given = [options.for !== undefined, options.until !== undefined, options.off === true].filter(Boolean).length;
  if (given !== 1) throw new PuckError("give exactly one of --for DURATION, --until TIME or --off", "e.g. puck keepawake dev --for 2h", EXIT.usage);
  if (options.off === true) return null;
  if (options.for !== undefined) {
    const ms = parseDuration(options.for);
    if (ms === undefined || ms <= 0) throw new PuckError(`--for "${options.for}" is not a duration`, "use e.g. 30m, 2h or 1d", EXIT.usage);
    return new Date(now.getTime() + ms).toISOString();
  }
  const until = Date.parse(options.until!);
  if (Number.isNaN(until)) throw new PuckError(`--until "${options.until}" is not a time`, "use RFC 3339, e.g. 2026-01-01T18:00:00Z", EXIT.usage);
  if (until <= now.getTime()) throw new PuckError(`--until "${options.until}" is in the past`, "give a future time, or --off", EXIT.usage);
  return new Date(until).toISOString();
}

export async function keepawake([name]: string[], options: TargetOptions & KeepAwakeFlags, io: Io): Promise<number> {
  const until = keepAwakeUntil(options, io.now());
  const target = await openTarget(options, io);
  const out = createOutput(io);
  await getSprite(target, name!);
  // null removes the field in a merge patch.
  await patchSpec(target, name!, { keepAwakeUntil: until as unknown as string });
  if (until === null) out.success(`Sprite ${name} no longer kept awake; it hibernates when idle`);
  else out.success(`Sprite ${name} kept awake until ${until}. It does not wake by itself: \`puck wake ${name}\` if it is hibernated.`);
  return 0;
}
