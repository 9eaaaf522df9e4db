// `puck connect NAME [-- CMD...]`: wake the Sprite if needed, then a login shell or a command in it.
import { HOME_DIR, MAIN_CONTAINER, childNames } from "../../operator/api/index.js";
import { wakeVerdict } from "../../operator/api/wake.js";
import { EXIT, PuckError } from "../errors.js";
import { execInPod } from "../exec-session.js";
import { loadExecLibrary } from "../lazy-deps.js";
import type { Io } from "../io.js";
import { createProgress, formatNotice } from "../output.js";
import { parseTimeout } from "../options.js";
import { explainSessionEnd, mayBeSpriteSide } from "../session-end.js";
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
  // client-node's exec parts take tens of milliseconds to load: do it while the request travels.
  const library = loadExecLibrary();
  library.catch(() => undefined);
  // Always write the wake request, even to an awake Sprite: it stops a hibernation decided just now,
  // and its answer tells whether the Sprite is awake already (then there is nothing to wait for).
  const patched = await requestWake(target, name!, io.now());
  let sprite = patched;
  if (wakeVerdict(patched, patched.metadata.generation ?? 0).state !== "ready") {
    const progress = createProgress(io, `Waking ${name}`);
    try {
      sprite = await waitUntilReady(target, patched, { timeoutMs, progress });
    } finally {
      progress.stop();
    }
    progress.done(`Sprite ${name} is awake`);
  }
  const interactive = command.length === 0;
  const tty = interactive ? io.stdin.isTTY === true : options.tty === true;
  const pod = sprite.status?.podName ?? childNames(name!).pod;
  const startedMs = io.now().getTime();
  const outcome = await execInPod(
    target.client,
    {
      namespace: target.namespace,
      pod,
      container: MAIN_CONTAINER,
      command: interactive ? LOGIN_SHELL : command,
      tty,
      stdin: interactive || tty || options.stdin === true || io.stdin.isTTY !== true,
    },
    io,
  );
  if (!mayBeSpriteSide(outcome)) return outcome as number;
  // The shell was killed or the connection closed: if the Sprite did it, say so and how to come back.
  const end = await explainSessionEnd(target, name!, pod, startedMs).catch(() => undefined);
  if (end) {
    io.stderr.write(formatNotice(io, end.text));
    return EXIT.sessionEnded;
  }
  if (outcome !== "lost") return outcome;
  throw new PuckError(
    `the connection to ${pod} closed without an exit status`,
    `check the network to the cluster; \`puck describe ${name}\` shows the Sprite's state`,
    EXIT.lostConnection,
  );
}
