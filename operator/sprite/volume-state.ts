// What the operator knows of a Sprite's volume (status.volume) and whether its next pod must set it
// up: move an older layout, seed or re-seed the system, set a new home up, prune earlier systems. Pure.
import type { SpriteSpec, SpriteStatus, SystemCopy, VolumeStatus } from "../api/index.js";
import { VOLUME_LAYOUT, persistMode } from "./volume-layout.js";

/**
 * The volume-setup container's summary (its termination message, JSON), with the time it finished.
 * Undefined when the message is not one (an older container's, or cut short).
 */
export function parseVolumeSummary(message: string | undefined, finishedAt: string | undefined): VolumeStatus | undefined {
  if (!message) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== "object") return undefined;
  const raw = parsed as { layout?: unknown; system?: unknown; previousSystems?: unknown };
  if (typeof raw.layout !== "number") return undefined;
  const system = systemCopy(raw.system);
  const previous = Array.isArray(raw.previousSystems) ? raw.previousSystems.map(systemCopy).filter((c): c is SystemCopy => c !== undefined) : [];
  return {
    layout: raw.layout,
    ...(system ? { system } : {}),
    ...(previous.length > 0 ? { previousSystems: previous } : {}),
    ...(finishedAt ? { setUpAt: finishedAt } : {}),
  };
}

function systemCopy(value: unknown): SystemCopy | undefined {
  if (!value || typeof value !== "object") return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.name !== "string") return undefined;
  return {
    name: v.name,
    ...(typeof v.image === "string" && v.image ? { image: v.image } : {}),
    ...(typeof v.seededAt === "string" && v.seededAt ? { seededAt: v.seededAt } : {}),
    ...(typeof v.bytes === "number" && v.bytes >= 0 ? { bytes: v.bytes } : {}),
    ...(Array.isArray(v.links) && v.links.length > 0 ? { links: v.links.filter((l): l is string => typeof l === "string") } : {}),
  };
}

export interface VolumeSetup {
  needed: boolean;
  /** Why, for the log and tests: layout, home, seed, reseed, prune. */
  why?: "layout" | "home" | "seed" | "reseed" | "prune";
  /** spec.pruneSystemsRequestedAt, when this setup is to act on it. */
  pruneSystems?: string;
}

/**
 * Whether the Sprite's next pod must run the volume-setup containers, from what the last setting-up
 * start reported (status.volume) and what the spec asks. `specOnly`: only the needs a spec change
 * brings (an image to seed, a prune asked for), for a pod that exists and must not be replaced just
 * because the status learnt that its volume is set up.
 */
export function volumeSetup(spec: SpriteSpec, status: Pick<SpriteStatus, "volume" | "homeSetUpAt">, specOnly = false): VolumeSetup {
  const volume = status.volume ?? undefined;
  const prune = pruneRequest(spec, volume);
  if (!specOnly) {
    if (volume?.layout !== VOLUME_LAYOUT) return { needed: true, why: "layout", ...prune };
    if (!status.homeSetUpAt) return { needed: true, why: "home", ...prune };
  }
  if (persistMode(spec) === "machine" && volume?.layout === VOLUME_LAYOUT) {
    if (!volume.system) return { needed: true, why: "seed", ...prune };
    if (volume.system.image !== spec.image) return { needed: true, why: "reseed", ...prune };
  }
  if (prune.pruneSystems) return { needed: true, why: "prune", ...prune };
  return { needed: false };
}

/** A prune asked for after the last setup, with earlier systems to delete. */
function pruneRequest(spec: SpriteSpec, volume: VolumeStatus | undefined): { pruneSystems?: string } {
  const asked = Date.parse(spec.pruneSystemsRequestedAt ?? "");
  if (Number.isNaN(asked) || !volume?.previousSystems?.length) return {};
  const setUp = Date.parse(volume.setUpAt ?? "");
  return Number.isNaN(setUp) || asked > setUp ? { pruneSystems: spec.pruneSystemsRequestedAt! } : {};
}
