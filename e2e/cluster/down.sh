#!/usr/bin/env bash
# Tears the local cluster down and removes what it left on the host: processes (daemons, container
# shims, containers), mounts, network devices and rules, and its state. Idempotent, and safe after a
# run that was killed midway. Built binaries stay cached; images stay too with --keep-images.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=e2e/cluster/lib.sh
. "$here/lib.sh"

keep_images=0
[ "${1-}" = "--keep-images" ] && keep_images=1
[ "$(id -u)" = 0 ] || die "tearing the local cluster down needs root: run as root"

# 1. Daemons: by pid file, then anything still running from our binaries or our containerd socket.
for d in "${DAEMONS[@]}"; do
  pid=$(cat "$PUCK_RUN/$d.pid" 2>/dev/null || true)
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
done
pkill -f "$PUCK_CACHE/bin/" 2>/dev/null || true
pkill -f "$PUCK_STATE/containerd/config.toml" 2>/dev/null || true
for _ in $(seq 1 20); do
  pgrep -f "$PUCK_CACHE/bin/|$PUCK_STATE/containerd/config.toml" >/dev/null || break
  sleep 0.25
done
pkill -9 -f "$PUCK_CACHE/bin/|$PUCK_STATE/containerd/config.toml" 2>/dev/null || true

# 2. Containers: their shims, then every process left in the pods' cgroups.
pkill -9 -f "containerd-shim.*$CONTAINERD_SOCK" 2>/dev/null || true
for root in /sys/fs/cgroup/*/; do
  for cg in "$root"kubepods*; do
    [ -d "$cg" ] || continue
    find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  done
done
for root in /sys/fs/cgroup/*/; do
  for cg in "$root"kubepods*; do
    [ -d "$cg" ] || continue
    # Leaves first: a cgroup can only be removed once it has no children.
    find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
done

# 3. Mounts under our state, deepest first; network namespaces the CNI plugins made.
for _ in 1 2 3; do
  mounts=$(awk -v a="$PUCK_STATE/" -v b="$PUCK_RUN/" 'index($2, a) == 1 || index($2, b) == 1 || $2 ~ "^/run/netns/cni-" { print $2 }' /proc/self/mounts | sort -r)
  [ -z "$mounts" ] && break
  for m in $mounts; do umount -l "$m" 2>/dev/null || true; done
done
rm -f /run/netns/cni-* 2>/dev/null || true

# 4. Network: the bridge and the rules kube-proxy and the CNI plugins added.
ip link del puck0 2>/dev/null || true
if command -v iptables-save >/dev/null; then
  for t in nat filter mangle; do
    if iptables-save -t "$t" 2>/dev/null | grep -qE 'KUBE-|CNI-'; then
      iptables-save -t "$t" | grep -vE 'KUBE-|CNI-' | iptables-restore -T "$t" 2>/dev/null || true
    fi
  done
fi

# 5. State.
rm -rf "$PUCK_RUN" "$PUCK_STATE/etcd" "$PUCK_STATE/kubelet" "$PUCK_STATE/cni" "$PUCK_STATE/storage" \
  "$PUCK_STATE/pki" "$PUCK_STATE"/*.kubeconfig "$PUCK_STATE/kubeconfig" "$PUCK_STATE/logs"
if [ "$keep_images" = 0 ]; then
  rm -rf "$PUCK_STATE/containerd"
fi
log "Cluster is down"
