// Which pod template a Sprite's StatefulSet gets for its volume: the setup containers and the system's
// mounts as the volume needs them, never replacing a running pod for them alone. Pure.
import { MAIN_CONTAINER, type Sprite, type SpriteStatus } from "../api/index.js";
import { firstDifference } from "../runtime/compare.js";
import { desiredStatefulSet, type BuildConfig } from "./desired-objects.js";
import type { PodView } from "./status.js";
import { SYSTEM_DIRS } from "./volume-layout.js";
import { volumeSetup, type VolumeSetup } from "./volume-state.js";

type LiveTemplate = {
  spec?: { initContainers?: { env?: { name: string; value?: string }[] }[]; containers?: { name: string; volumeMounts?: { mountPath: string }[] }[] };
};
type LiveStatefulSet = { spec?: { template?: unknown } };

/**
 * The desired StatefulSet, its pods running the volume-setup containers when the volume needs them
 * (operator/sprite/volume-state.ts). A pod that exists keeps the template it was made from when nothing else
 * changed, since changing it would replace the pod and end the sessions in it: containers no longer
 * needed go when the next pod is made (at a wake). When the template changes anyway (a new image, an
 * upgrade of Puck), the pod it makes gets whatever setup the volume needs then.
 */
export function desiredWithVolumeSetup(live: LiveStatefulSet | undefined, sprite: Sprite, replicas: 0 | 1, config: BuildConfig, observed: { current: SpriteStatus; pod: PodView }) {
  const { current, pod } = observed;
  const status = { ...current, ...(pod.volume ? { volume: pod.volume } : {}), ...(pod.homeSetUp ? { homeSetUpAt: current.homeSetUpAt ?? "now" } : {}) };
  // Links of the system the pod will mount: known only for a system seeded from this image.
  const system = status.volume?.system;
  const links = system?.image === sprite.spec.image ? (system.links ?? []) : [];
  const needed = desiredStatefulSet(sprite, replicas, config, volumeSetup(sprite.spec, status), links);
  if (!pod.exists || !live) return needed;
  const template = live.spec?.template as LiveTemplate | undefined;
  const containers = template?.spec?.initContainers ?? [];
  const mounted = template?.spec?.containers?.find((c) => c.name === MAIN_CONTAINER)?.volumeMounts?.map((m) => m.mountPath) ?? [];
  // The system folders the live pod leaves out (links), when it mounts a system at all.
  const mountsSystem = SYSTEM_DIRS.some((d) => mounted.includes(`/${d}`));
  const liveLinks = mountsSystem ? SYSTEM_DIRS.filter((d) => !mounted.includes(`/${d}`)) : [];
  const prune = containers.flatMap((c) => c.env ?? []).find((e) => e.name === "PUCK_PRUNE_SYSTEMS")?.value;
  const asLive: VolumeSetup = containers.length > 0 ? { needed: true, ...(prune ? { pruneSystems: prune } : {}) } : { needed: false };
  const kept = desiredStatefulSet(sprite, replicas, config, asLive, liveLinks);
  return firstDifference(kept.spec.template, live.spec?.template) === undefined ? kept : needed;
}
