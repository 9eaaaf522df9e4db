// The init containers that give a new home volume to the user the Sprite's shell runs as.
import { HOME_DIR } from "./api/index.js";
import { HOME_VOLUME } from "./agent-container.js";

export const HOME_USER_CONTAINER = "home-user";
export const HOME_SETUP_CONTAINER = "home-setup";
export const HOME_INIT_VOLUME = "home-init";
const INIT_DIR = "/puck-init";

/**
 * The mode of a new home: private, as Debian 12's adduser makes homes (DIR_MODE=0700). A Sprite
 * has one person in it; nothing else needs in (the agent reads the keep-alive file with
 * DAC_READ_SEARCH, not through the mode).
 */
export const HOME_MODE = "0700";

/**
 * Runs as the image's own user (the pod sets none), so its uid and gid are the shell's: an image's
 * USER is known only to the runtime, never to the operator. Only /bin/sh builtins, so any image
 * with a shell can do it.
 */
const USER_SCRIPT = `while read -r key value _; do case "$key" in Uid:) uid=$value ;; Gid:) gid=$value ;; esac; done </proc/self/status
echo "$uid $gid" >${INIT_DIR}/user`;

/**
 * A home is new when it holds nothing but the filesystem's lost+found (and can be listed: one that
 * cannot is left alone, never taken for new): then it gets the image's
 * /etc/skel, the user as owner and a private mode, as `useradd -m` would do. Anything else is the
 * user's and left alone, on every later wake: the contents are the signal, so nothing (no marker
 * file) is added to the home. One repair only: a home still root-owned with mode 0777 (how the
 * local-path provisioner makes volumes, and how Sprites made before this had them) is given to its
 * user, the directory itself only.
 */
const SETUP_SCRIPT = `set -eu
read -r uid gid <${INIT_DIR}/user
h=${HOME_DIR}
if ! entries=$(ls -A "$h"); then echo "Left $h alone: cannot list it"; exit 0; fi
case "$entries" in
  "" | lost+found) ;;
  *)
    if [ "$uid" != 0 ] && [ "$(stat -c %u:%a "$h")" = 0:777 ]; then chmod ${HOME_MODE} "$h"; chown "$uid:$gid" "$h"; fi
    exit 0 ;;
esac
chown 0:0 "$h"
if [ -d /etc/skel ]; then cp -R /etc/skel/. "$h"/; fi
chmod ${HOME_MODE} "$h"
chown -R "$uid:$gid" "$h"
echo "Set up $h for uid $uid"`;

const small = { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } };

/** Both init containers, from the Sprite's own image (its /etc/skel, its user). */
export function homeInitContainers(image: string) {
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
      name: HOME_SETUP_CONTAINER,
      image,
      imagePullPolicy: "IfNotPresent",
      command: ["/bin/sh", "-c", SETUP_SCRIPT],
      volumeMounts: [
        { name: HOME_VOLUME, mountPath: HOME_DIR },
        { name: HOME_INIT_VOLUME, mountPath: INIT_DIR, readOnly: true },
      ],
      // Root only so that these capabilities are effective; it runs for milliseconds and exits at
      // once when the home is not new. CHOWN: give the home and the copied skeleton to the user.
      // DAC_OVERRIDE: list a home its user closed (0700 is theirs, not root's): without it root
      // sees an unreadable directory and could not tell it from a new one. Not FOWNER: the script
      // makes a new home root's own before writing into it and chmods it before giving it away.
      securityContext: {
        runAsUser: 0,
        runAsGroup: 0,
        runAsNonRoot: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE"] },
      },
      resources: small,
    },
  ];
}

/** Where the first init container tells the second the user's uid and gid. */
export const homeInitVolume = () => ({ name: HOME_INIT_VOLUME, emptyDir: { medium: "Memory", sizeLimit: "1Mi" } });
