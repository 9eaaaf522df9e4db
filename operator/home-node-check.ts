// Reads what operator/home-node.ts judges — the home volume claim, its volume, and the node either
// pins the Sprite to — for a Sprite that should be up and is not, and marks its pod view failing
// with NodeNotReady when that node is not ready. The operator watches no nodes: a node that goes
// NotReady or comes back changes its pods' Ready condition (the node lifecycle controller, then the
// kubelet), and the pod watch brings the Sprite back here.
import { childNames } from "./api/index.js";
import type { ObjectCache } from "./ensure.js";
import { homeNode, nodeNotReady } from "./home-node.js";
import type { KubeClient, KubeObject } from "../kube/client.js";
import { isStatus } from "../kube/errors.js";
import { clusterPath, resourcePath } from "./resources.js";
import type { PodView } from "./status.js";

async function getOptional(client: KubeClient, path: string): Promise<KubeObject | undefined> {
  try {
    return await client.request("GET", path);
  } catch (error) {
    if (isStatus(error, 404)) return undefined;
    throw new Error(`get ${path}`, { cause: error });
  }
}

/** `pod` with failing NodeNotReady when the Sprite's node is not ready; otherwise `pod` as it was. */
export async function withHomeNode(
  deps: { client: KubeClient; cache?: ObjectCache },
  namespace: string,
  sprite: string,
  podObject: KubeObject | undefined,
  pod: PodView,
): Promise<PodView> {
  if (pod.ready) return pod;
  const claimName = childNames(sprite).pvc;
  const cached = deps.cache?.get("persistentvolumeclaims", namespace, claimName);
  const claim = cached === undefined ? await getOptional(deps.client, resourcePath("persistentvolumeclaims", namespace, claimName)) : (cached ?? undefined);
  const volumeName = (claim as (KubeObject & { spec?: { volumeName?: string } }) | undefined)?.spec?.volumeName;
  const volume = volumeName ? await getOptional(deps.client, clusterPath("persistentvolumes", volumeName)) : undefined;
  const home = homeNode(podObject, volume);
  if (!home) return pod;
  const failing = nodeNotReady(home, await getOptional(deps.client, clusterPath("nodes", home.node)));
  return failing ? { ...pod, failing } : pod;
}
