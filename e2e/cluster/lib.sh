# Shared settings and helpers for the local cluster scripts (sourced, not run).
# Everything the cluster keeps lives outside the repo: binaries and images in the cache, running
# state under the state directory; both can be moved with environment variables.
PUCK_CACHE=${PUCK_CACHE:-/var/cache/puck-e2e}
PUCK_STATE=${PUCK_STATE:-/var/lib/puck-e2e}
PUCK_RUN=${PUCK_RUN:-/run/puck-e2e}

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Prints one line per 50 lines of build output, so a long build shows it is alive without
# flooding the log; errors (lines that are not package paths) are shown whole.
progress_dots() {
  local n=0 line
  while IFS= read -r line; do
    case "$line" in
      *" "*|*:*) printf '%s\n' "$line" >&2 ;;
      *) n=$((n + 1)); [ $((n % 50)) = 0 ] && log "  compiled $n packages (last: $line)" ;;
    esac
  done
  return 0
}
