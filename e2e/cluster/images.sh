#!/usr/bin/env bash
# Builds container images without a registry and imports them into the local cluster's containerd
# (namespace k8s.io). Image archives are cached, keyed by their inputs, so a rebuild only happens
# when something that makes the image changed.
# Usage: images.sh pause PAUSE_BINARY
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=e2e/cluster/lib.sh
. "$here/lib.sh"

# import_archive IMAGE ARCHIVE: imports unless containerd already holds that image.
import_archive() {
  local image=$1 archive=$2
  if ctr_ -n k8s.io images ls -q 2>/dev/null | grep -qxF "$image"; then
    return 0
  fi
  log "Importing $image into containerd"
  ctr_ -n k8s.io images import --no-unpack=false "$archive" >/dev/null
}

case "${1-}" in
  pause)
    binary=$2
    key=$(sha256sum "$binary" | cut -c1-16)
    archive="$PUCK_CACHE/images/pause-$key.tar"
    if [ ! -f "$archive" ]; then
      log "Building the sandbox image $PAUSE_IMAGE"
      mkdir -p "$PUCK_CACHE/images"
      c=$(buildah from scratch)
      buildah copy "$c" "$binary" /pause >/dev/null
      buildah config --entrypoint '["/pause"]' --user 65535:65535 "$c"
      buildah commit -q "$c" "$PAUSE_IMAGE" >/dev/null
      buildah rm "$c" >/dev/null
      buildah push -q "$PAUSE_IMAGE" "docker-archive:$archive.partial:$PAUSE_IMAGE"
      mv "$archive.partial" "$archive"
    fi
    import_archive "$PAUSE_IMAGE" "$archive"
    ;;
  *)
    die "usage: images.sh pause PAUSE_BINARY"
    ;;
esac
