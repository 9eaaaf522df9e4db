// Keeps the agent's view of its own Sprite current: one GET, then a WATCH until it ends or fails.
import { API_VERSION, PLURAL, type Sprite } from "../operator/api/index.js";
import { ApiError, type KubeClient } from "./kube-client.js";
import type { Logger } from "./logger.js";

export const spritePath = (namespace: string, name: string) =>
  `/apis/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}/${encodeURIComponent(name)}`;

const WATCH_TIMEOUT_SECONDS = 300;

export interface SpriteView {
  current(): Sprite | undefined;
}

/**
 * One pass: GET the Sprite, then WATCH it from that resourceVersion until the server closes the
 * watch (it returns) or something fails (it throws; the supervisor restarts it with backoff). A
 * 410 Gone — the resourceVersion is too old — ends the pass too: the next one starts with a fresh GET.
 */
export async function watchSpriteOnce(options: {
  client: KubeClient;
  namespace: string;
  name: string;
  log: Logger;
  signal: AbortSignal;
  onSprite: (sprite: Sprite | undefined) => void;
  /** Watch from this resourceVersion instead of the GET's: lets a test provoke 410 Gone. */
  resourceVersion?: string;
}): Promise<"ended" | "gone"> {
  const { client, namespace, name, log } = options;
  let sprite: Sprite;
  try {
    sprite = (await client.request("GET", spritePath(namespace, name))) as Sprite;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) options.onSprite(undefined);
    throw new Error(`get Sprite ${namespace}/${name}`, { cause: error });
  }
  options.onSprite(sprite);
  const rv = options.resourceVersion ?? sprite.metadata.resourceVersion ?? "";
  const path =
    `/apis/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}` +
    `?watch=1&fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}` +
    `&resourceVersion=${encodeURIComponent(rv)}&timeoutSeconds=${WATCH_TIMEOUT_SECONDS}&allowWatchBookmarks=true`;
  let gone = false;
  try {
    await options.client.watch(
      path,
      (event) => {
        if (event.type === "ADDED" || event.type === "MODIFIED") options.onSprite(event.object as Sprite);
        else if (event.type === "DELETED") options.onSprite(undefined);
        else if (event.type === "ERROR") {
          const status = event.object as { code?: number; message?: string };
          if (status.code === 410) gone = true;
          else log.warn("Watch reported an error", { code: status.code, message: status.message });
        }
      },
      options.signal,
    );
  } catch (error) {
    if (options.signal.aborted) return "ended";
    throw new Error(`watch Sprite ${namespace}/${name}`, { cause: error });
  }
  if (gone) log.debug("Watch expired (410 Gone); listing again");
  return gone ? "gone" : "ended";
}
