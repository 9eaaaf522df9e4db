// `puck connect NAME [-- CMD...]`: wake the Sprite if needed, then a login shell or a command in it.
import { HOME_DIR, MAIN_CONTAINER, childNames, type Sprite } from "../../operator/api/index.js";
import { explainSessionEnd, mayBeSpriteSide } from "../../sprite-client/session-end.js";
import { EXIT, PuckError } from "../errors.js";
import { execInPod, SessionNotStarted, type ExecRequest } from "../exec-session.js";
import { loadExecLibrary } from "../lazy-deps.js";
import type { Io } from "../io.js";
import { createOutput } from "../output.js";
import { getSprite, type Target } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";
import { wakeAndWait, waitUntilReady } from "../wake.js";

/** A login shell in the home directory: bash when the image has it, else sh. */
export const LOGIN_SHELL = [
  "/bin/sh",
  "-c",
  `cd ${HOME_DIR} 2>/dev/null; if command -v bash >/dev/null; then exec bash -l; else exec sh -l; fi`,
];

/** Tries to open the session before giving up on a pod that is gone or not ready for it. */
const EXEC_ATTEMPTS = 5;
const NOT_STARTED_PATIENCE_MS = 60_000;

export type ConnectOptions = TargetOptions & { tty?: boolean | undefined; stdin?: boolean | undefined; timeout: number };

export async function connect([name, ...command]: string[], options: ConnectOptions, io: Io): Promise<number> {
  const timeoutMs = options.timeout;
  const target = await openTarget(options, io);
  // client-node's exec parts take tens of milliseconds to load: do it while the request travels.
  const library = loadExecLibrary();
  library.catch(() => undefined);
  const sprite = await wakeAndWait(target, name!, { io, timeoutMs, probe: true });
  const interactive = command.length === 0;
  const tty = interactive ? io.stdin.isTTY === true : options.tty === true;
  const session = await openSession(target, sprite, { timeoutMs, io }, (pod) => ({
    namespace: target.namespace,
    pod,
    container: MAIN_CONTAINER,
    command: interactive ? LOGIN_SHELL : command,
    tty,
    stdin: interactive || tty || options.stdin === true || io.stdin.isTTY !== true,
  }));
  return exitCodeOf(target, name!, session, io);
}

interface Session {
  outcome: number | "lost";
  pod: string;
  startedMs: number;
}

/**
 * Runs the session in the Sprite's pod. The status said ready, but the pod may be gone or its
 * container not known to the kubelet yet (a pod deleted a moment ago, a status the operator has not
 * caught up with): then look at the Sprite again, wait until it is ready, and try again — a few
 * times, within the timeout.
 */
async function openSession(target: Target, ready: Sprite, options: { timeoutMs: number; io: Io }, request: (pod: string) => ExecRequest): Promise<Session> {
  const deadline = Date.now() + options.timeoutMs;
  let sprite = ready;
  const firstTry = Date.now();
  for (let attempt = 1; ; attempt++) {
    const pod = sprite.status?.podName ?? childNames(sprite.metadata.name).pod;
    const startedMs = options.io.now().getTime();
    try {
      return { outcome: await execInPod(target.client, request(pod), options.io), pod, startedMs };
    } catch (error) {
      if (!(error instanceof PuckError && error.retryable) || Date.now() >= deadline) throw error;
      // A command the kubelet has not started (its containers being remade) is worth waiting for
      // longer than a pod that is gone: up to NOT_STARTED_PATIENCE_MS, every half second.
      const notStarted = error instanceof SessionNotStarted && Date.now() - firstTry < NOT_STARTED_PATIENCE_MS;
      if (attempt >= EXEC_ATTEMPTS && !notStarted) throw error;
      await new Promise((r) => setTimeout(r, notStarted ? 500 : 100 * attempt));
      sprite = await waitUntilReady(target, await getSprite(target, sprite.metadata.name), { timeoutMs: Math.max(1, deadline - Date.now()) });
    }
  }
}

/** The command's exit code; when the shell was killed or the connection closed, whether the Sprite did it. */
async function exitCodeOf(target: Target, name: string, session: Session, io: Io): Promise<number> {
  const { outcome, pod } = session;
  if (!mayBeSpriteSide(outcome)) return outcome as number;
  const end = await explainSessionEnd(target.client, { namespace: target.namespace, name }, pod, session.startedMs).catch(() => undefined);
  if (end) {
    createOutput(io).notice(end.text);
    return EXIT.sessionEnded;
  }
  if (outcome !== "lost") return outcome;
  throw new PuckError(
    `the connection to ${pod} closed without an exit status`,
    `check the network to the cluster; \`puck describe ${name}\` shows the Sprite's state`,
    EXIT.lostConnection,
  );
}
