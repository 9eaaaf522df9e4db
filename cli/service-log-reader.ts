// The command `puck logs` runs in a Sprite: a POSIX-sh reader of the services' logs and their indexes,
// for any image's /bin/sh and tools (dash or busybox; tail, head, wc, awk, date).
import { HOME_DIR } from "../operator/api/index.js";

/** Where the supervisor writes each service's output and index (operator/sprite/services-script.ts). */
export const LOG_DIR = `${HOME_DIR}/.puck/log`;

export interface LogRead {
  /** One service's log; all of them when undefined. */
  service?: string | undefined;
  /** The last lines to print; all of them when undefined. */
  lines?: number | undefined;
  /** Only what was written in the last this many seconds (to the index's 10 s, never less). */
  sinceSeconds?: number | undefined;
  follow: boolean;
}

/**
 * The reader. A log is NAME.log and, once rotated, NAME.log.1; each has an index of "EPOCH SIZE"
 * lines, the size the file had when the supervisor saw it change. What was written since a time
 * starts at the size noted last at or before that time (0 with no such note): it may begin up to one
 * check early, never late. The rotated half counts when the time is before the current file began.
 * A follow ends with the connection: an exec's process outlives its client (the runtime keeps its
 * output open), and a tail left behind would keep the Sprite awake. Its stdin ends when puck goes.
 */
const READER = String.raw`
dir=${"$"}{PUCK_SERVICES_LOG:-${LOG_DIR}}
service=$1 lines=$2 since=$3 follow=$4
c=0; [ -n "$since" ] && c=$(( $(date +%s) - since ))
# noted IDX: the size noted last at or before c
noted() { if [ -f "$1" ]; then awk -v c="$c" '$1 <= c { o = $2 } END { print o + 0 }' "$1"; else echo 0; fi; }
# written FILE SIZE: what FILE's first SIZE bytes hold from c on, after its rotated half's
written() {
  began=; [ -f "$1.idx" ] && began=$(awk 'NR == 1 { print $1; exit }' "$1.idx")
  if [ -f "$1.1" ] && { [ -z "$began" ] || [ "$c" -lt "$began" ]; }; then tail -c +$(( $(noted "$1.1.idx") + 1 )) "$1.1"; fi
  o=$(noted "$1.idx"); [ "$o" -le "$2" ] || o=0
  tail -c +$(( o + 1 )) "$1" | head -c $(( $2 - o ))
}
last() { if [ -n "$lines" ]; then tail -n "$lines"; else cat; fi; }
if [ -n "$service" ]; then
  set -- "$dir/$service.log"
  [ -f "$1" ] || { echo "no log for service $service ($1)" >&2; exit 1; }
else
  set -- "$dir"/*.log
  [ -f "$1" ] || { echo "no service has written a log yet ($dir)" >&2; exit 1; }
fi
sizes=; first=1
for f; do
  size=$(wc -c < "$f"); sizes="$sizes $size"
  # Several logs: each under tail's own header.
  if [ -z "$service" ]; then [ -n "$first" ] || echo; printf '==> %s <==\n' "$f"; fi
  first=
  written "$f" "$size" | last
done
[ "$follow" = 1 ] || exit 0
# Each log goes on from the size just read, so nothing written meanwhile is lost or printed twice.
pids=
for f; do
  set -- $sizes; size=$1; shift; sizes="$*"
  tail -c +$(( size + 1 )) -f "$f" & pids="$pids $!"
done
cat >/dev/null
kill $pids
`.trim();

/** The argv `puck logs` execs in the Sprite's main container. */
export function logReaderCommand(read: LogRead): string[] {
  return ["/bin/sh", "-c", READER, "puck-logs", read.service ?? "", read.lines === undefined ? "" : String(read.lines), read.sinceSeconds === undefined ? "" : String(Math.ceil(read.sinceSeconds)), read.follow ? "1" : ""];
}
