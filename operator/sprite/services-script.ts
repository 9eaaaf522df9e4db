// The main container's first process: a POSIX-sh supervisor of the Sprite's services (docs/using.md, "Services").
// It runs on any image's /bin/sh (dash, busybox ash) with only date, cksum, grep, tail, cp and (when
// present) setsid and su: no Node, Python or glibc assumed.

/** Where the supervisor reads and writes, inside the main container. Tests point them at temp folders. */
export const SERVICES_PATHS = {
  /** The operator's list (spec.services), a ConfigMap volume the kubelet updates in place. */
  spec: "/run/puck/services",
  /** The user's own declarations, one file per service, on the home (it persists in both modes). */
  user: "$HOME/.puck/services.d",
  /** The supervisor's state, one file per service; the agent reads it through its home mount. */
  run: "$HOME/.puck/run",
  /**
   * Each service's output: NAME.log and NAME.log.1, each at most LOG_MAX_BYTES; beside each, NAME.log.idx
   * (NAME.log.1.idx): lines "EPOCH SIZE", the file's size when the supervisor saw it change, which is
   * what `puck logs --since` reads (cli/service-log-reader.ts).
   */
  log: "$HOME/.puck/log",
} as const;

/** A log file is copied to NAME.log.1 and emptied past this size: at most 2 MiB a service. */
export const LOG_MAX_BYTES = 1024 * 1024;
/** A service that exits this many times in a row, each within FAST_EXIT_SECONDS of its start, is failed. */
export const CRASH_LOOP_EXITS = 5;
export const FAST_EXIT_SECONDS = 10;
/** Backoff between restarts: 1 s, doubled at each fast exit, at most this. */
export const MAX_BACKOFF_SECONDS = 30;
/** How often the supervisor looks at the declarations. */
export const TICK_SECONDS = 2;
/** Every this many ticks it looks at the logs' sizes: rotation, and the index --since reads (its resolution, 10 s). */
export const LOG_CHECK_TICKS = 5;
/** An index is rotated with its log at this many entries (a service that writes every 10 s: about a day). */
export const INDEX_MAX_ENTRIES = 8192;
/** Lines of output kept with a failed service's state (NAME.last). */
export const LAST_LINES = 20;

/** A raw template whose \${ is the shell's own expansion, ${ being TypeScript's. */
const sh = (strings: TemplateStringsArray, ...values: unknown[]) => String.raw(strings, ...values).replaceAll("\\${", "${");

/**
 * The script. Its settings come from the environment with the defaults above, so that a test can run
 * it on temp folders at a faster tick; the pod gives it none.
 *
 * Shape: the main loop (every TICK) reads the declarations — the operator's in list order, then the
 * user's by name, a name the operator declares being the operator's — and compares each with the copy
 * it started (NAME.def): a new or changed one is (re)started, a removed one stopped. Each service has a
 * runner, a background subshell that starts the program in its own session (setsid: its whole process
 * group gets the stop signal), waits for it, restarts it with backoff, and marks it failed after a
 * crash loop; it writes NAME.state. On TERM the main loop stops the runners one at a time in reverse
 * start order; each runner sends its program the stop signal, waits its grace, then SIGKILLs the group.
 */
export function servicesScript(): string {
  return sh`
spec=\${PUCK_SERVICES_SPEC:-${SERVICES_PATHS.spec}}
udir=\${PUCK_SERVICES_DIR:-${SERVICES_PATHS.user}}
run=\${PUCK_SERVICES_RUN:-${SERVICES_PATHS.run}}
logs=\${PUCK_SERVICES_LOG:-${SERVICES_PATHS.log}}
tick=\${PUCK_SERVICES_TICK:-${TICK_SECONDS}}
logmax=\${PUCK_LOG_MAX:-${LOG_MAX_BYTES}}
logticks=\${PUCK_LOG_CHECK_TICKS:-${LOG_CHECK_TICKS}}
fastexit=\${PUCK_FAST_EXIT:-${FAST_EXIT_SECONDS}}
term=; order=; n=0
trap 'term=1' TERM INT
rm -rf "$run" 2>/dev/null; mkdir -p "$run" "$logs" 2>/dev/null
me=$(id -u)

# slurp FILE: its text into $s (builtins only: no fork per tick)
slurp() { s=; [ -r "$1" ] || return 1; while IFS= read -r l || [ -n "$l" ]; do s="$s$l
"; done < "$1"; }
now() { date +%s; }
stamp() { date -u +%Y-%m-%dT%H:%M:%SZ; }
# state NAME STATE [MESSAGE]: the runner's view, written whole then renamed (the agent never reads half)
state() {
  printf 'state=%s\nrestarts=%s\nlastExit=%s\nsince=%s\nsource=%s\nmessage=%s\n' "$2" "$restarts" "$lastexit" "$(now)" "$src" "$3" > "$run/$1.state.tmp" && mv -f "$run/$1.state.tmp" "$run/$1.state"
}
# listening PORT: some socket listens on it (the container's /proc/net: no tool needed)
listening() {
  p=$(printf ':%04X ' "$1")
  grep -q "$p[0-9A-F]*:[0-9A-F]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
# settings FILE: a declaration's fields, read in a subshell (a declaration is sh: it cannot touch ours)
settings() {
  dir=; user=; port=; after=; grace=30; stopsignal=TERM; stopped=
  v=$( . "$1" >/dev/null 2>&1; printf '%s\n' "$dir" "$user" "$port" "$after" "$grace" "$stopsignal" "$stopped" )
  { read -r dir; read -r user; read -r port; read -r after; read -r grace; read -r stopsignal; read -r stopped; } <<EOF
$v
EOF
  case $grace in ''|*[!0-9]*) grace=30;; esac
  case $port in *[!0-9]*) port=;; esac
  case $stopsignal in TERM|INT|QUIT|HUP|USR1|USR2) ;; *) stopsignal=TERM;; esac
}

runner() {
  name=$1 file=$2 src=$3 restarts=0 lastexit= fast=0 delay=1 child= stopping=
  settings "$file"
  trap 'stopping=1; [ -n "$child" ] && stop' TERM
  stop() {
    kill -"$stopsignal" -- -"$child" 2>/dev/null || kill -"$stopsignal" "$child" 2>/dev/null
    ( sleep "$grace"; kill -KILL -- -"$child" 2>/dev/null || kill -KILL "$child" 2>/dev/null ) & t=$!
    wait "$child"; kill "$t" 2>/dev/null
  }
  log="$logs/$name.log"
  if [ -n "$user" ] && [ "$user" != "$(id -un)" ] && [ "$me" != 0 ]; then
    state "$name" failed "user $user needs a root image: this one runs as uid $me"; return
  fi
  while [ -z "$stopping" ]; do
    start=$(now)
    state "$name" starting
    printf '[puck] %s starting %s\n' "$(stamp)" "$name" >> "$log"
    (
      cd "\${dir:-$HOME}" || exit 200
      . "$file" >/dev/null 2>&1
      s=; command -v setsid >/dev/null 2>&1 && s=setsid
      if [ -n "$user" ] && [ "$user" != "$(id -un)" ]; then exec $s su -s /bin/sh -c "$command" "$user"; fi
      exec $s /bin/sh -c "$command"
    ) < /dev/null >> "$log" 2>&1 &
    child=$!
    echo "$child" > "$run/$name.pid"
    if [ -n "$port" ]; then
      # running once the port accepts (the program's own start), or at once if it never listens
      i=0; while [ -z "$stopping" ] && [ "$i" -lt 600 ] && kill -0 "$child" 2>/dev/null && ! listening "$port"; do sleep 0.1; i=$((i+1)); done
    fi
    [ -z "$stopping" ] && kill -0 "$child" 2>/dev/null && state "$name" running
    wait "$child"; code=$?
    [ -n "$stopping" ] && break
    lastexit=$code restarts=$((restarts+1)); child=
    printf '[puck] %s %s exited with %s\n' "$(stamp)" "$name" "$code" >> "$log"
    if [ $(( $(now) - start )) -lt "$fastexit" ]; then fast=$((fast+1)); else fast=0 delay=1; fi
    if [ "$fast" -ge ${CRASH_LOOP_EXITS} ]; then
      tail -n ${LAST_LINES} "$log" > "$run/$name.last" 2>/dev/null
      state "$name" failed "exited $fast times in a row within \${fastexit}s of starting (last exit $code)"
      return
    fi
    state "$name" backoff "restarting in \${delay}s (exit $code)"
    sleep "$delay" & wait $!
    delay=$((delay*2)); [ "$delay" -gt ${MAX_BACKOFF_SECONDS} ] && delay=${MAX_BACKOFF_SECONDS}
  done
  state "$name" stopped
}

# stop_one NAME: TERM its runner and wait for it (the runner waits its program's grace)
stop_one() {
  slurp "$run/$1.runner" && r=\${s%?} && kill -TERM "$r" 2>/dev/null && wait "$r"
  rm -f "$run/$1.runner"
}
start_one() {
  ( runner "$1" "$2" "$3" ) & echo $! > "$run/$1.runner"
  case " $order " in *" $1 "*) ;; *) order="$order $1";; esac
}
ready() {
  for d in $1; do
    case " $declared " in *" $d "*) ;; *) continue;; esac
    grep -q '^state=running$' "$run/$d.state" 2>/dev/null || return 1
  done
}

# one pass: each declaration against what runs
reconcile() {
  declared=; list=; pending=
  for f in "$spec"/*; do [ -f "$f" ] || continue; nm=\${f##*/}; nm=\${nm#*-}; list="$list $nm:spec:$f"; declared="$declared $nm"; done
  for f in "$udir"/*; do
    [ -f "$f" ] || continue; nm=\${f##*/}
    case $nm in ''|*[!a-z0-9-]*) continue;; esac
    case " $declared " in *" $nm "*) continue;; esac
    list="$list $nm:sprite:$f"; declared="$declared $nm"
  done
  for e in $order; do
    case " $declared " in *" $e "*) ;; *) stop_one "$e"; rm -f "$run/$e".*; o=; for x in $order; do [ "$x" = "$e" ] || o="$o $x"; done; order=$o;; esac
  done
  for item in $list; do
    nm=\${item%%:*}; rest=\${item#*:}; src=\${rest%%:*}; f=\${rest#*:}
    slurp "$f" || continue; new=$s
    old=; slurp "$run/$nm.def" && old=$s
    [ "$new" = "$old" ] && continue
    settings "$f"
    if [ -z "$stopped" ] && ! ready "$after"; then pending=1; continue; fi
    stop_one "$nm"
    printf '%s' "$new" > "$run/$nm.def"
    if [ -n "$stopped" ]; then restarts=0 lastexit=; state "$nm" stopped "stopped by hand"; continue; fi
    start_one "$nm" "$f" "$src"
  done
}

# logcheck: rotates a log past its size (or its index past its entries) and notes in NAME.log.idx when
# it grew. NAME.log.seen holds "SIZE ENTRIES" as last noted, so an unchanged log costs one ls.
logcheck() {
  t=$(now)
  for f in "$logs"/*.log; do
    [ -f "$f" ] || continue
    set -- $(ls -ln "$f" 2>/dev/null); sz=\${5:-0}
    seen=; slurp "$f.seen" && seen=\${s%?}
    last=\${seen%% *}; entries=\${seen#* }; [ -n "$seen" ] || entries=0
    if [ "$sz" -gt "$logmax" ] || [ "$entries" -ge ${INDEX_MAX_ENTRIES} ]; then
      # The index goes first: a reader must never see the old index beside the emptied log.
      mv -f "$f.idx" "$f.1.idx" 2>/dev/null; cp -f "$f" "$f.1" && : > "$f"
      sz=0 last= entries=0
    fi
    [ "$sz" = "$last" ] && continue
    echo "$t $sz" >> "$f.idx"; entries=$((entries+1)); echo "$sz $entries" > "$f.seen"
  done
}

while [ -z "$term" ]; do
  reconcile
  n=$((n+1)); [ $(( (n - 1) % logticks )) -eq 0 ] && logcheck
  # A service waiting for the ones it comes after is looked at again soon, not a whole tick later.
  if [ -n "$pending" ]; then sleep 0.2 & wait $!; else sleep "$tick" & wait $!; fi
done
rev=; for e in $order; do rev="$e $rev"; done
for e in $rev; do stop_one "$e"; done
exit 0
`.trim();
}
