// The shell script that sets a Sprite's volume up before its shell starts: the layout, the system's
// seed, the home. POSIX sh and the tools every image has (busybox's are enough), so any image runs it.
import { SYSTEM_DIRS, VOLUME_LAYOUT, VOLUME_PATHS } from "./volume-layout.js";

/** Where the volume-setup container sees the whole volume, and the user's uid from the first container. */
export const VOLUME_DIR = "/puck-volume";
export const INIT_DIR = "/puck-init";

/**
 * The mode of a new home: private, as Debian 12's adduser makes homes (DIR_MODE=0700). A Sprite
 * has one person in it; nothing else needs in (the agent reads the keep-alive file with
 * DAC_READ_SEARCH, not through the mode).
 */
export const HOME_MODE = "0700";

/**
 * Runs as the image's own user (the pod sets none), so its uid and gid are the shell's: an image's
 * USER is known only to the runtime, never to the operator. Only /bin/sh builtins.
 */
export const USER_SCRIPT = `while read -r key value _; do case "$key" in Uid:) uid=$value ;; Gid:) gid=$value ;; esac; done </proc/self/status
echo "$uid $gid" >${INIT_DIR}/user`;

/**
 * 1. The layout. A volume whose root was the home (layout 1) moves into home/ crash-safe: every root
 *    entry is renamed into .puck-moving/ (one atomic rename each: a pod killed half-way leaves each
 *    entry in one place, and the next start moves the rest), then the marker .puck-volume is
 *    written, then .puck-moving/ becomes home/ (one rename). The marker says "moved" for good; a
 *    staging folder beside it only waits for its last rename. Nothing is copied, nothing deleted.
 * Logged lines go to the container's log; the last line (the summary) to its termination message.
 */
const LAYOUT = `marker=$v/.puck-volume
staging=$v/.puck-moving
home=$v/${VOLUME_PATHS.home}
fail() { printf '%s' "$1" >"$msg"; echo "$1" >&2; exit 1; }
ours() { case "\${1##*/}" in .puck-moving | .puck-volume | .puck-volume.tmp | lost+found) return 0 ;; esac; return 1; }
# Every root entry that is not Puck's (dotfiles too): "$1" is called with each.
each_entry() { for e in "$v"/* "$v"/.[!.]* "$v"/..?*; do if { [ -e "$e" ] || [ -L "$e" ]; } && ! ours "$e"; then "$1" "$e"; fi; done; }
found=""
note_entry() { found=yes; }
# Moved by one mv per 500 entries (each entry still one rename): a home of thousands moves in moments.
batch=""
n=0
flush() { if [ -n "$batch" ]; then eval "mv -- $batch \\"\\$staging/\\""; fi; batch=""; n=0; }
move_entry() { n=$((n + 1)); eval "arg_$n=\\$1"; batch="$batch \\"\\$arg_$n\\""; [ $n -lt 500 ] || flush; }
write_marker() { echo ${VOLUME_LAYOUT} >"$marker.tmp"; mv -f "$marker.tmp" "$marker"; }
if [ -f "$marker" ]; then
  if [ -d "$staging" ]; then
    [ ! -e "$home" ] || fail "The volume holds both $staging and $home; Puck will not merge them: move what you need out of one by hand (kubectl debug), then delete it."
    mv "$staging" "$home"
  fi
else
  each_entry note_entry
  if [ -d "$staging" ] || [ -n "$found" ]; then
    echo "Moving the home into $home (the volume's layout ${VOLUME_LAYOUT})"
    [ -d "$staging" ] || mkdir "$staging"
    each_entry move_entry
    flush
    chown "$(stat -c %u:%g "$v")" "$staging"
    chmod "$(stat -c %a "$v")" "$staging"
    write_marker
    mv "$staging" "$home"
  else
    write_marker
  fi
fi
rm -f "$marker.tmp"
mkdir -p "$home"
chown 0:0 "$v"
chmod 0755 "$v"`;

/**
 * 2. The system (when the Sprite persists its machine): the image's system directories copied once
 *    into system/, through system.partial/ (removed and redone if a start found one: a copy cut
 *    half-way is never used), renamed into place once complete and flushed. A system seeded from
 *    another image is never written into nor deleted: it moves to previous/TIME and the new image
 *    seeds a new one. `cp -a` keeps owners, modes (setuid/setgid), times, links and, where the cp
 *    can, file capabilities.
 */
const SYSTEM = `system=$v/${VOLUME_PATHS.system}
previous=$v/${VOLUME_PATHS.previous}
seed_line() { sed -n "$1p" "$2/.puck-seed" 2>/dev/null || true; }
stamp() { date -u +%Y%m%dT%H%M%SZ; }
# Milliseconds now, where date knows %N (GNU; else whole seconds): the seed's log says how long it took.
ms() { t=$(date +%s%N); case "$t" in *[!0-9]*) echo $(($(date +%s) * 1000)) ;; *) echo $((t / 1000000)) ;; esac; }
kib() { du -sk "$1" 2>/dev/null | { read -r n _; echo "\${n:-0}"; }; }
if [ "$PUCK_PERSIST" = machine ]; then
  if [ -d "$system" ] && [ "$(seed_line 1 "$system")" != "$PUCK_IMAGE" ]; then
    keep=$(stamp)
    mkdir -p "$previous"
    while [ -e "$previous/$keep" ]; do keep="$keep-1"; done
    echo "The image changed from $(seed_line 1 "$system") to $PUCK_IMAGE: keeping the system seeded from it in previous/$keep"
    mv "$system" "$previous/$keep"
  fi
  if [ ! -d "$system" ]; then
    rm -rf "$system.partial"
    need=0
    for d in ${SYSTEM_DIRS.join(" ")}; do if [ -d "$src/$d" ] && [ ! -L "$src/$d" ]; then need=$((need + $(kib "$src/$d"))); fi; done
    free=$(df -Pk "$v" | { read -r _; read -r _ _ _ avail _; echo "\${avail:-0}"; })
    size=$((PUCK_VOLUME_BYTES / 1024))
    if [ $((need + need / 20)) -gt "$free" ] || [ $((need + need / 20)) -gt "$size" ]; then
      fail "The system of $PUCK_IMAGE needs $((need / 1024)) MiB on the Sprite's volume, which has $((free / 1024)) MiB free of $((size / 1024)) MiB: give it more (spec.storageSize, e.g. kubectl patch sprite NAME --type merge -p '{\\"spec\\":{\\"storageSize\\":\\"20Gi\\"}}') or persist only the home (spec.persist: home)."
    fi
    echo "Seeding the system from $PUCK_IMAGE ($((need / 1024)) MiB)"
    started=$(ms)
    mkdir "$system.partial"
    for d in ${SYSTEM_DIRS.join(" ")}; do
      if [ -L "$src/$d" ]; then
        # The same link, relative to the system's root (an absolute one would point out of the volume).
        t=$(readlink "$src/$d"); t=\${t#/}; while case "$t" in ../*) true ;; *) false ;; esac; do t=\${t#../}; done
        ln -s "$t" "$system.partial/$d"
      elif [ -d "$src/$d" ]; then
        cp -a "$src/$d" "$system.partial/$d"
      else
        mkdir -m 0755 "$system.partial/$d"
      fi
    done
    printf '%s\\n%s\\n' "$PUCK_IMAGE" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$system.partial/.puck-seed"
    sync -f "$system.partial" 2>/dev/null || sync
    mv "$system.partial" "$system"
    echo "Seeded the system: $need KiB in $(($(ms) - started)) ms"
  fi
fi
if [ -n "\${PUCK_PRUNE_SYSTEMS:-}" ] && [ -d "$previous" ]; then
  echo "Deleting the earlier systems kept in previous/ (asked for at $PUCK_PRUNE_SYSTEMS)"
  rm -rf "$previous"
fi`;

/**
 * 3. The home. New when it holds nothing but a lost+found (and can be listed: one that cannot is
 *    left alone, never taken for new): then it gets the image's /etc/skel, the user as owner and a
 *    private mode, as \`useradd -m\` would do. Anything else is the user's and left alone: the contents
 *    are the signal, so nothing (no marker file) is added to the home. One repair only: a home still
 *    root-owned with mode 0777 (how the local-path provisioner makes volumes) goes to its user.
 */
const HOME = `read -r uid gid <"$init/user"
setup_home() {
  if ! entries=$(ls -A "$home"); then echo "Left $home alone: cannot list it"; return 0; fi
  case "$entries" in
    "" | lost+found) ;;
    *)
      if [ "$uid" != 0 ] && [ "$(stat -c %u:%a "$home")" = 0:777 ]; then chmod ${HOME_MODE} "$home"; chown "$uid:$gid" "$home"; fi
      return 0 ;;
  esac
  chown 0:0 "$home"
  if [ -d "$src/etc/skel" ]; then cp -R "$src/etc/skel/." "$home"/; fi
  chmod ${HOME_MODE} "$home"
  chown -R "$uid:$gid" "$home"
  echo "Set up the home for uid $uid"
}
setup_home`;

/**
 * 4. The summary, as JSON on the termination message (the operator reads it into status.volume):
 *    the layout, the system and the earlier ones kept, with their sizes. Image names hold no quotes.
 */
const SUMMARY = `copy_json() {
  links=""
  for d in ${SYSTEM_DIRS.join(" ")}; do if [ -L "$2/$d" ]; then links="$links\${links:+,}\\"$d\\""; fi; done
  printf '{"name":"%s","image":"%s","seededAt":"%s","bytes":%s,"links":[%s]}' "$1" "$(seed_line 1 "$2")" "$(seed_line 2 "$2")" "$(($(kib "$2") * 1024))" "$links"
}
out='{"layout":${VOLUME_LAYOUT}'
if [ "$PUCK_PERSIST" = machine ] && [ -d "$system" ]; then out="$out,\\"system\\":$(copy_json ${VOLUME_PATHS.system} "$system")"; fi
list=""
if [ -d "$previous" ]; then
  n=0
  for p in "$previous"/*; do
    [ -d "$p" ] && [ $n -lt 16 ] || continue
    n=$((n + 1))
    list="$list\${list:+,}$(copy_json "${VOLUME_PATHS.previous}/\${p##*/}" "$p")"
  done
fi
[ -z "$list" ] || out="$out,\\"previousSystems\\":[$list]"
printf '%s}' "$out" >"$msg"`;

export interface ScriptPaths {
  /** Where the whole volume is mounted. */
  volume: string;
  /** Where home-user left the uid and gid. */
  init: string;
  /** Where the summary or the failure goes: the container's termination message. */
  message: string;
  /** The image's root, whose system is seeded ("" in the container: its own). */
  source: string;
}

export const CONTAINER_PATHS: ScriptPaths = { volume: VOLUME_DIR, init: INIT_DIR, message: "/dev/termination-log", source: "" };

/** The script's parts, each run after the one before: a test runs the layout alone on a temp folder. */
export const SCRIPT_PARTS = { layout: LAYOUT, system: SYSTEM, home: HOME, summary: SUMMARY };

export function volumeSetupScript(paths: ScriptPaths = CONTAINER_PATHS, parts: (keyof typeof SCRIPT_PARTS)[] = ["layout", "system", "home", "summary"]): string {
  const header = `set -eu\nv='${paths.volume}'\ninit='${paths.init}'\nmsg='${paths.message}'\nsrc='${paths.source}'`;
  return [header, ...parts.map((part) => SCRIPT_PARTS[part])].join("\n");
}
