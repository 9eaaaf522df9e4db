#!/usr/bin/env bash
# Builds container images without a registry and imports them into the local cluster's containerd
# (namespace k8s.io). Image archives are cached, keyed by their inputs, so a rebuild only happens
# when something that makes the image changed.
# Usage: images.sh pause PAUSE_BINARY
#        images.sh addons BIN_DIR   (prints "NAME IMAGE" per add-on image: provisioner, helper, coredns)
set -euo pipefail
# A failed step inside $(...) must fail the script, not print an image that was never imported.
shopt -s inherit_errexit
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

# commit_archive CONTAINER IMAGE ARCHIVE: commits a buildah working container as IMAGE and writes
# it to ARCHIVE (written aside and moved, so a killed build never leaves a half archive behind).
commit_archive() {
  local c=$1 image=$2 archive=$3
  rm -f "$archive.partial"
  buildah commit -q --rm "$c" "$image" >/dev/null
  buildah push -q "$image" "docker-archive:$archive.partial:$image"
  buildah rmi "$image" >/dev/null 2>&1 || true
  mv "$archive.partial" "$archive"
}

# binary_image NAME BINARY UID KEY: an image of one static binary, run as UID; prints its reference,
# tagged with KEY, the key of the build that made the binary: a rebuilt binary is a new image that
# the Deployment rolls to, and a warm start needs no hashing of large binaries.
binary_image() {
  local name=$1 binary=$2 uid=$3 key=$4 image archive c
  image="puck.local/$name:$key"
  archive="$PUCK_CACHE/images/$name-$key.tar"
  if [ ! -f "$archive" ]; then
    log "Building the image $image"
    mkdir -p "$PUCK_CACHE/images"
    c=$(buildah from scratch)
    buildah copy "$c" "$binary" "/$name" >/dev/null
    buildah config --entrypoint "[\"/$name\"]" --user "$uid:$uid" "$c"
    commit_archive "$c" "$image" "$archive"
  fi
  import_archive "$image" "$archive"
  echo "$image"
}

# busybox_key: the checksum apt's lists give for the busybox-static package apt would install.
busybox_key() {
  apt-cache show --no-all-versions busybox-static 2>/dev/null | awk '$1 == "SHA256:" { print $2; exit }' | cut -c1-16
}

# helper_image: the local-path provisioner's helper pods run its setup and teardown scripts with
# /bin/sh, mkdir, chmod and rm: Debian's statically linked busybox and its applets, nothing else.
# Keyed by the package's checksum in apt's lists, so a warm start needs no network.
helper_image() {
  local key image archive tmp c applet
  key=$(busybox_key)
  if [ -z "$key" ]; then
    apt-get update -qq >&2
    key=$(busybox_key)
  fi
  [ -n "$key" ] || die "apt knows no busybox-static package: add Debian's main archive to apt's sources"
  image="puck.local/local-path-helper:$key"
  archive="$PUCK_CACHE/images/local-path-helper-$key.tar"
  if [ ! -f "$archive" ]; then
    log "Building the image $image from Debian's busybox-static"
    mkdir -p "$PUCK_CACHE/images"
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download -qq busybox-static >/dev/null 2>&1) || { rm -rf "$tmp"; die "could not download busybox-static with apt-get"; }
    dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/deb"
    mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/tmp"
    cp "$tmp/deb/bin/busybox" "$tmp/rootfs/bin/busybox"
    for applet in $("$tmp/rootfs/bin/busybox" --list); do
      [ "$applet" = busybox ] || ln -s busybox "$tmp/rootfs/bin/$applet"
    done
    chmod 1777 "$tmp/rootfs/tmp"
    c=$(buildah from scratch)
    buildah copy "$c" "$tmp/rootfs" / >/dev/null
    buildah config --env PATH=/bin --cmd /bin/sh "$c"
    commit_archive "$c" "$image" "$archive"
    rm -rf "$tmp"
  fi
  import_archive "$image" "$archive"
  echo "$image"
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
  addons)
    bin=$2
    # build.sh names the directory VERSION-KEY.
    key=${bin##*-}
    # Assigned first: a failed build must fail this script, not print half a line.
    provisioner=$(binary_image local-path-provisioner "$bin/local-path-provisioner" 65534 "$key")
    helper=$(helper_image)
    coredns=$(binary_image coredns "$bin/coredns" 65532 "$key")
    printf 'provisioner %s\nhelper %s\ncoredns %s\n' "$provisioner" "$helper" "$coredns"
    ;;
  *)
    die "usage: images.sh pause PAUSE_BINARY | images.sh addons BIN_DIR"
    ;;
esac
