#!/usr/bin/env bash
# Stops the local cluster and clears what only a running cluster needs: processes (daemons, container
# shims, containers), mounts, network devices and rules, runtime state. The cluster's data stays —
# the datastore with every object, the home volumes, certificates, images — so `up.sh` resumes the
# same cluster. Idempotent, and safe after a run that was killed midway or a machine that lost power.
# Deleting the data is wipe.sh's job alone.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=e2e/cluster/lib.sh
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || die "stopping the local cluster needs root: run as root"
stop_cluster
log "Cluster is down (its data is kept in $PUCK_STATE; npm run cluster:wipe deletes it)"
