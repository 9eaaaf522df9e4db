// `puck connect NAME [-- CMD...]`: wake the Sprite if needed, then a login shell or a command in it.
import { CONDITION, HOME_DIR, MAIN_CONTAINER, childNames } from "../../operator/api/index.js";
import { execInPod } from "../exec-session.js";
import { loadExecLibrary } from "../lazy-deps.js";
import type { Io } from "../io.js";
import { createProgress } from "../output.js";
import { parseTimeout } from "../options.js";
import { getSprite } from "../sprites.js";
import { openTarget } from "../target.js";
import { requestWake, waitUntilReady } from "../wake.js";

/** A login shell in the home directory: bash when the image has it, else sh. */
export const LOGIN_SHELL = [
  "/bin/sh",
  "-c",
  `cd ${HOME_DIR} 2>/dev/null; if command -v bash >/dev/null; then exec bash -l; else exec sh -l; fi`,
];

export async function connect([name, ...command]: string[], options: Record<string, unknown>, io: Io): Promise<number> {
  const timeoutMs = parseTimeout(options.timeout);
  const target = await openTarget(options, io);
  // client-node takes a few hundred milliseconds to load: do it while the Sprite wakes.
  const library = loadExecLibrary();
  library.catch(() => undefined);
  const before = await getSprite(target, name!);
  const wasReady =
    before.status?.phase === "Active" && before.status.conditions?.some((c) => c.type === CONDITION.ready && c.status === "True");
  // Always write the wake request, even to an awake Sprite: it stops a hibernation decided just now.
  const patched = await requestWake(target, name!, io.now());
  const progress = wasReady ? undefined : createProgress(io, `Waking ${name}`);
  let sprite;
  try {
    sprite = await waitUntilReady(target, patched, { timeoutMs, now: io.now, ...(progress ? { progress } : {}) });
  } finally {
    progress?.stop();
  }
  if (progress) progress.done(`Sprite ${name} is awake`);
  const interactive = command.length === 0;
  const tty = interactive ? io.stdin.isTTY === true : options.tty === true;
  return execInPod(
    target.client,
    {
      namespace: target.namespace,
      pod: sprite.status?.podName ?? childNames(name!).pod,
      container: MAIN_CONTAINER,
      command: interactive ? LOGIN_SHELL : command,
      tty,
      stdin: interactive || tty || options.stdin === true || io.stdin.isTTY !== true,
    },
    io,
  );
}
