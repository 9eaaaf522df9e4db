// Whether a Sprite cannot run because the node that holds it is not ready: the node its pod is
// bound to, or the one its home volume lives on (a local volume pins the Sprite to one node). Pure.
import { REASON } from "../api/index.js";
import type { KubeObject } from "../../kube/client.js";

interface NodeSelectorRequirement {
  key?: string;
  operator?: string;
  values?: string[];
}

interface VolumeFields {
  spec?: { nodeAffinity?: { required?: { nodeSelectorTerms?: { matchExpressions?: NodeSelectorRequirement[] }[] } } };
}

interface NodeFields {
  spec?: { unschedulable?: boolean };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

const HOSTNAME_LABEL = "kubernetes.io/hostname";

/**
 * The one node a volume's node affinity allows, as local volumes (local-path, local PVs) name it:
 * a single term requiring kubernetes.io/hostname In [node]. Any other affinity does not pin a node.
 */
export function volumeNode(volume: KubeObject | undefined): string | undefined {
  const terms = (volume as (KubeObject & VolumeFields) | undefined)?.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  if (terms.length !== 1) return undefined;
  const pins = (terms[0]?.matchExpressions ?? []).filter((e) => e.key === HOSTNAME_LABEL && e.operator === "In" && e.values?.length === 1);
  return pins.length === 1 ? pins[0]?.values?.[0] : undefined;
}

/** The pod's Ready condition, as the kubelet last reported it, is True. */
export function kubeletSaysReady(pod: KubeObject | undefined): boolean {
  const conditions = (pod as (KubeObject & { status?: { conditions?: { type: string; status: string }[] } }) | undefined)?.status?.conditions;
  return conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}

/** Where the Sprite must run: the node its home volume lives on, else the node its pod is bound to. */
export function homeNode(pod: KubeObject | undefined, volume: KubeObject | undefined): { node: string; pinnedBy: "volume" | "pod" } | undefined {
  const fromVolume = volumeNode(volume);
  if (fromVolume) return { node: fromVolume, pinnedBy: "volume" };
  const bound = (pod as (KubeObject & { spec?: { nodeName?: string } }) | undefined)?.spec?.nodeName;
  return bound ? { node: bound, pinnedBy: "pod" } : undefined;
}

/**
 * Why the Sprite cannot run on its node, or undefined when the node is Ready (or unknown to us).
 * `node` is the Node object as read, undefined when it does not exist.
 */
export function nodeNotReady(home: { node: string; pinnedBy: "volume" | "pod" }, node: KubeObject | undefined): { reason: string; message: string } | undefined {
  const where = home.pinnedBy === "volume" ? `its home volume lives on node ${home.node}` : `its pod runs on node ${home.node}`;
  if (!node) return { reason: REASON.nodeNotReady, message: `${where}, which is no longer in the cluster` };
  const ready = (node as KubeObject & NodeFields).status?.conditions?.find((c) => c.type === "Ready");
  if (ready?.status === "True") return undefined;
  const why = ready?.message ? ` (${ready.message.replace(/\s+/g, " ").trim().replace(/\.$/, "")})` : "";
  return { reason: REASON.nodeNotReady, message: `${where}, which is not ready${why}` };
}

/** Whether a Node's change can matter to Sprites: it appeared, went, or its Ready status changed. */
export function nodeReadinessChanged(node: KubeObject, deleted: boolean, previous?: KubeObject): boolean {
  const ready = (n: KubeObject | undefined) => (n as (KubeObject & NodeFields) | undefined)?.status?.conditions?.find((c) => c.type === "Ready")?.status;
  return deleted || !previous || ready(previous) !== ready(node);
}

/** The keys (namespace/sprite) of the Sprites whose pods are bound to `node`, from their label. */
export function spritesOnNode(pods: Iterable<KubeObject>, node: string, ownerKey: (pod: KubeObject) => string | undefined): string[] {
  const keys: string[] = [];
  for (const pod of pods) {
    if ((pod as KubeObject & { spec?: { nodeName?: string } }).spec?.nodeName !== node) continue;
    const key = ownerKey(pod);
    if (key) keys.push(key);
  }
  return keys;
}

/**
 * The keys of hibernating Sprites: their home volume's node is known only by reading each volume, so
 * a node's change brings them all to a reconcile (a homelab has a few nodes, changing rarely).
 */
export function hibernatingSprites(sprites: Iterable<KubeObject>): string[] {
  const keys: string[] = [];
  for (const sprite of sprites) {
    if ((sprite as KubeObject & { status?: { phase?: string } }).status?.phase === "Hibernating") keys.push(`${sprite.metadata.namespace}/${sprite.metadata.name}`);
  }
  return keys;
}
