// Reads what operator/sprite/home-node.ts judges — the home volume claim, its volume, and the node either
// pins the Sprite to — for a Sprite that should be up and is not, and marks its pod view failing
// with NodeNotReady when that node is not ready. The operator watches no nodes: a node that goes
// NotReady or comes back changes its pods' Ready condition (the node lifecycle controller, then the
// kubelet), and the pod watch brings the Sprite back here.
import { childNames } from "../api/index.js";
import type { ObjectCache } from "../runtime/ensure.js";
import { homeNode, kubeletSaysReady, nodeNotReady } from "./home-node.js";
import type { KubeObject } from "../../kube/client.js";
import { clusterPath, resourcePath } from "../runtime/resources.js";
import type { PodView } from "./status.js";

/** `pod` with failing NodeNotReady when the Sprite's node is not ready; otherwise `pod` as it was. */
export async function withHomeNode(
  /** `get` reads an object by its path, undefined when it does not exist. */
  deps: { get: (path: string) => Promise<KubeObject | undefined>; cache?: ObjectCache | undefined },
  namespace: string,
  sprite: string,
  podObject: KubeObject | undefined,
  pod: PodView,
): Promise<PodView> {
  // Ready by the kubelet's word: its node was up a moment ago. Ready by the agent's word alone (see
  // pod-view.ts) may be a pod whose node went down before its kubelet said so.
  if (pod.ready && kubeletSaysReady(podObject)) return pod;
  try {
    const failing = await homeNodeFailure(deps, namespace, sprite, podObject);
    return failing ? { ...pod, ready: false, failing } : pod;
  } catch {
    // A side question: an operator not allowed to read nodes (an older install's RBAC) or an API
    // hiccup must not stop the reconcile; the Sprite then just says it is starting.
    return pod;
  }
}

async function homeNodeFailure(deps: Parameters<typeof withHomeNode>[0], namespace: string, sprite: string, podObject: KubeObject | undefined) {
  const claimName = childNames(sprite).pvc;
  const cached = deps.cache?.get("persistentvolumeclaims", namespace, claimName);
  const claim = cached === undefined ? await deps.get(resourcePath("persistentvolumeclaims", namespace, claimName)) : (cached ?? undefined);
  const volumeName = (claim as (KubeObject & { spec?: { volumeName?: string } }) | undefined)?.spec?.volumeName;
  const volume = volumeName ? await deps.get(clusterPath("persistentvolumes", volumeName)) : undefined;
  const home = homeNode(podObject, volume);
  if (!home) return undefined;
  const cachedNode = deps.cache?.get("nodes", "", home.node);
  return nodeNotReady(home, cachedNode === undefined ? await deps.get(clusterPath("nodes", home.node)) : (cachedNode ?? undefined));
}
