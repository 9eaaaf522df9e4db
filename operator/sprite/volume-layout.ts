// The layout of a Sprite's volume — the home and the machine's system as folders side by side — and
// the mounts that make it the main container's disk. Pure.
import { HOME_DIR, type PersistMode, type SpriteSpec } from "../api/index.js";

export const HOME_VOLUME = "home";

/** The volume's layout version that this operator makes (docs/using.md, "Your machine"). */
export const VOLUME_LAYOUT = 2;

/** Folders at the volume's root. An older volume (layout 1) was the home itself. */
export const VOLUME_PATHS = {
  home: "home",
  system: "system",
  previous: "previous",
} as const;

/**
 * The image's directories that persist, in the order they are mounted: everything a user or root
 * changes on a machine. Where the image has one as a link (merged /usr: /bin -> usr/bin), the volume
 * holds the same link and its mount lands on the linked directory, which is already the volume's.
 * Where the image lacks one, it persists as an empty directory (so the mount list stays static: the
 * operator never sees an image's layout). Left out as on a reboot: /proc, /sys, /dev, /run, /tmp,
 * and the files the kubelet mounts over /etc (hosts, resolv.conf, hostname), which stay its own.
 * Not /lib32 or /libx32 (multilib, absent from the images Puck targets: they would appear empty).
 */
export const SYSTEM_DIRS = ["usr", "bin", "sbin", "lib", "lib64", "etc", "var", "opt", "root", "srv", "home"] as const;

export const persistMode = (spec: Pick<SpriteSpec, "persist">): PersistMode => spec.persist ?? "machine";

/**
 * The main container's mounts: the system's folders (unless only the home persists), then the home.
 * `linked`: folders the seeded system holds as links (status.volume.system.links), left out once
 * known — their contents come with the folder they link to, and each mount costs the wake a little.
 */
export function mainVolumeMounts(spec: Pick<SpriteSpec, "persist">, linked: readonly string[] = []) {
  const dirs = SYSTEM_DIRS.filter((dir) => !linked.includes(dir));
  const system = persistMode(spec) === "machine" ? dirs.map((dir) => ({ name: HOME_VOLUME, mountPath: `/${dir}`, subPath: `${VOLUME_PATHS.system}/${dir}` })) : [];
  return [...system, { name: HOME_VOLUME, mountPath: HOME_DIR, subPath: VOLUME_PATHS.home }];
}

/** The agent reads the home (the keep-alive file, the disk figures) and nothing else of the volume. */
export const agentHomeMount = () => ({ name: HOME_VOLUME, mountPath: HOME_DIR, subPath: VOLUME_PATHS.home, readOnly: true });

/** Where the agent sees the whole volume, read-only, to measure its own use (agent/volume-meter.ts). */
export const AGENT_VOLUME_DIR = "/puck/volume";
export const agentVolumeMount = () => ({ name: HOME_VOLUME, mountPath: AGENT_VOLUME_DIR, readOnly: true });
