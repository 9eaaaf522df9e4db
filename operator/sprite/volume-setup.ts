// The init containers that set a Sprite's volume up before its shell starts: the user's uid, then the
// layout, the system's seed and the home (operator/sprite/volume-setup-script.ts).
import { storageSize, type Sprite } from "../api/index.js";
import { parseQuantity } from "../../kube/quantity.js";
import { HOME_VOLUME, persistMode } from "./volume-layout.js";
import { INIT_DIR, USER_SCRIPT, VOLUME_DIR, volumeSetupScript } from "./volume-setup-script.js";

export const HOME_USER_CONTAINER = "home-user";
export const VOLUME_SETUP_CONTAINER = "volume-setup";
/** The container that set homes up before the volume had a layout; its success still counts. */
export const LEGACY_HOME_SETUP_CONTAINER = "home-setup";
export const HOME_INIT_VOLUME = "home-init";

const small = { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } };
/** cp -a of a system tree keeps its pages in the page cache, charged to the container: give it room. */
const seeding = { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "256Mi" } };

/**
 * Root only so that these capabilities are effective; it runs for milliseconds when there is nothing
 * to do. CHOWN: give the home and the copied skeleton to the user, keep owners in the system's copy.
 * DAC_OVERRIDE: list a home its user closed (0700 is theirs, not root's) — without it root would see
 * an unreadable directory and could not tell it from a new one — move the entries of an older
 * volume's home, read every file of the image. When it seeds a system, also FOWNER (set the times and
 * modes of files it gave to others), FSETID (keep setgid bits, e.g. the shadow group's tools) and
 * SETFCAP (keep file capabilities, e.g. ping's).
 */
function setupCapabilities(seedsSystem: boolean): string[] {
  return seedsSystem ? ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "SETFCAP"] : ["CHOWN", "DAC_OVERRIDE"];
}

export interface SetupNeeds {
  /** Delete the earlier systems kept on the volume (spec.pruneSystemsRequestedAt, as asked). */
  pruneSystems?: string;
}

/** Both init containers, from the Sprite's own image (its /etc/skel, its user, its system). */
export function volumeInitContainers(sprite: Sprite, needs: SetupNeeds = {}) {
  const { image } = sprite.spec;
  const persist = persistMode(sprite.spec);
  const volumeBytes = parseQuantity(storageSize(sprite.spec)) ?? 0;
  return [
    {
      name: HOME_USER_CONTAINER,
      image,
      imagePullPolicy: "IfNotPresent",
      command: ["/bin/sh", "-c", USER_SCRIPT],
      volumeMounts: [{ name: HOME_INIT_VOLUME, mountPath: INIT_DIR }],
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
      resources: small,
    },
    {
      name: VOLUME_SETUP_CONTAINER,
      image,
      imagePullPolicy: "IfNotPresent",
      command: ["/bin/sh", "-c", volumeSetupScript()],
      env: [
        { name: "PUCK_PERSIST", value: persist },
        { name: "PUCK_IMAGE", value: image },
        { name: "PUCK_VOLUME_BYTES", value: String(Math.floor(volumeBytes)) },
        ...(needs.pruneSystems ? [{ name: "PUCK_PRUNE_SYSTEMS", value: needs.pruneSystems }] : []),
      ],
      volumeMounts: [
        { name: HOME_VOLUME, mountPath: VOLUME_DIR },
        { name: HOME_INIT_VOLUME, mountPath: INIT_DIR, readOnly: true },
      ],
      securityContext: {
        runAsUser: 0,
        runAsGroup: 0,
        runAsNonRoot: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"], add: setupCapabilities(persist === "machine") },
      },
      resources: persist === "machine" ? seeding : small,
    },
  ];
}

/** Where the first init container tells the second the user's uid and gid. */
export const homeInitVolume = () => ({ name: HOME_INIT_VOLUME, emptyDir: { medium: "Memory", sizeLimit: "1Mi" } });
