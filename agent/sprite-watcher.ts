// Keeps the agent's view of its own Sprite current through the shared list+watch.
import { listWatch } from "../kube/list-watch.js";
import type { KubeClient } from "../kube/client.js";
import { resourcePath } from "../kube/paths.js";
import { SPRITES, type Sprite } from "../operator/api/index.js";
import type { Logger } from "./logger.js";

/**
 * Lists the one Sprite (by field selector, so a missing Sprite is an empty list, not an error) and
 * watches it; a missing Sprite is reported as undefined. Runs until `signal` aborts, never throws:
 * failures are logged and retried with backoff, 410 Gone relists (kube/list-watch.ts).
 */
export async function watchSprite(options: {
  client: KubeClient;
  namespace: string;
  name: string;
  log: Logger;
  signal: AbortSignal;
  onSprite: (sprite: Sprite | undefined) => void;
  /** Watch from this resourceVersion instead of listing first: lets a test provoke 410 Gone. */
  resourceVersion?: string;
}): Promise<void> {
  const { client, namespace, name, log, signal, onSprite } = options;
  await listWatch<Sprite>({
    client,
    path: resourcePath(SPRITES, { namespace }),
    fieldSelector: `metadata.name=${name}`,
    signal,
    ...(options.resourceVersion ? { resourceVersion: options.resourceVersion } : {}),
    onList: (items) => onSprite(items[0]),
    onEvent: (event) => onSprite(event.type === "DELETED" ? undefined : event.object),
    onRestart: (why) => {
      if (why === "gone") log.debug("Relisted the Sprite after its watch expired (410 Gone)");
      if (why === "silent") log.debug("Watching the Sprite again from the last resourceVersion: its watch was silent");
    },
    onError: (error, retryInMs) => log.warn("Restarting the Sprite watch", { error, retryInMs }),
  });
}
