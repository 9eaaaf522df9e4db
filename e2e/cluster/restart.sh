#!/usr/bin/env bash
# Restarts one daemon of the running local cluster with its original command line, for tests of
# how clients survive it (e.g. an API server restart). Usage: restart.sh DAEMON
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=e2e/cluster/lib.sh
. "$here/lib.sh"

name=${1-}
[[ " ${DAEMONS[*]} " == *" $name "* ]] || die "usage: restart.sh DAEMON, one of: ${DAEMONS[*]}"
[ -f "$PUCK_RUN/$name.cmd" ] || die "$name was not started by up.sh: run npm run cluster:up first"
pid=$(cat "$PUCK_RUN/$name.pid")
kill "$pid" 2>/dev/null || true
for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
kill -9 "$pid" 2>/dev/null || true
mapfile -d '' cmd <"$PUCK_RUN/$name.cmd"
start_daemon "$name" "${cmd[@]}"
if [ "$name" = kube-apiserver ]; then
  wait_until 60 "the API server to be ready" "$PUCK_STATE/bin/kubectl" --kubeconfig "$PUCK_STATE/kubeconfig" get --raw /readyz
fi
log "Restarted $name"
