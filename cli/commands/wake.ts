// `puck wake NAME`: request a wake and wait, with progress, until the Sprite is Active.
import type { Io } from "../io.js";
import { createOutput, createProgress } from "../output.js";
import { openTarget, type TargetOptions } from "../target.js";
import { requestWake, waitUntilReady } from "../wake.js";

export async function wake([name]: string[], options: TargetOptions & { wait: boolean; timeout: number }, io: Io): Promise<number> {
  const timeoutMs = options.timeout;
  const target = await openTarget(options, io);
  const out = createOutput(io);
  const patched = await requestWake(target, name!, io.now());
  if (options.wait === false) {
    out.success(`Requested a wake of Sprite ${name}`);
    return 0;
  }
  const progress = createProgress(io, `Waking ${name}`);
  try {
    await waitUntilReady(target, patched, { timeoutMs, progress });
  } finally {
    progress.stop();
  }
  out.success(`Sprite ${name} is Active`);
  return 0;
}
