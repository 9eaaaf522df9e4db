// Watches Nodes so that a Sprite hears at once when the node its pod runs on turns NotReady or comes
// back: the pod itself may not change (a pod whose kubelet never reported it Ready is not touched
// when its node goes silent), and then nothing else would bring the Sprite to a reconcile. A
// hibernating Sprite has no pod: it hears of every node's change, and says whether it could wake.
import type { KubeClient, KubeObject } from "../../kube/client.js";
import { hibernatingSprites, nodeReadinessChanged, spritesOnNode } from "./home-node.js";
import type { Logger } from "../runtime/logger.js";
import type { Metrics } from "../runtime/metrics.js";
import { ResourceWatch } from "../runtime/resource-watch.js";

export function nodeReadinessWatch(
  client: KubeClient,
  resyncMs: number,
  /** The Sprites' pods as the operator's pod watch last saw them. */
  pods: () => Iterable<KubeObject>,
  /** The Sprites as the operator's Sprite watch last saw them. */
  sprites: () => Iterable<KubeObject>,
  ownerKey: (pod: KubeObject) => string | undefined,
  enqueue: (key: string) => void,
  log: Logger,
  metrics: Metrics,
): ResourceWatch {
  return new ResourceWatch(
    client,
    { resource: "nodes", resyncMs },
    (node, deleted, previous) => {
      if (!nodeReadinessChanged(node, deleted, previous)) return;
      for (const key of spritesOnNode(pods(), node.metadata.name, ownerKey)) enqueue(key);
      for (const key of hibernatingSprites(sprites())) enqueue(key);
    },
    log,
    metrics,
  );
}
