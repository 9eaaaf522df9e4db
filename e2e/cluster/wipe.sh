#!/usr/bin/env bash
# Stops the local cluster and deletes its data: every object in the datastore, every home volume,
# the certificates and logs; with --keep-images the images in containerd stay. The one command that
# deletes what a user made in the local cluster, so it is only ever run when asked for.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=e2e/cluster/lib.sh
. "$here/lib.sh"

keep_images=0
[ "${1-}" = "--keep-images" ] && keep_images=1
[ "$(id -u)" = 0 ] || die "wiping the local cluster needs root: run as root"
stop_cluster
rm -rf "$PUCK_STATE/etcd" "$PUCK_STATE/db" "$PUCK_STATE/kubelet" "$PUCK_STATE/storage" "$PUCK_STATE/pki" \
  "$PUCK_STATE"/*.kubeconfig "$PUCK_STATE/kubeconfig" "$PUCK_STATE/logs" "$PUCK_STATE/cni" "$LAYOUT_FILE" "$PUCK_OWNER_FILE" \
  "$NODES_STATE"
if [ "$keep_images" = 0 ]; then
  rm -rf "$PUCK_STATE/containerd"
fi
log "Cluster is wiped"
