#!/usr/bin/env bash
# Simulates a power cut for tests: every process of the local cluster — daemons, container shims,
# containers — gets SIGKILL at once, with no drain and no clean-up. What a dead machine leaves
# (mounts, network namespaces, iptables rules, pid files, a datastore stopped mid-write) stays for
# `up.sh` to deal with.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=e2e/cluster/lib.sh
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || die "the power-cut simulation needs root: run as root"
kill_cluster_processes KILL
for _ in $(seq 1 40); do
  pgrep -f "$PUCK_CACHE/bin/|$PUCK_STATE/containerd/config.toml|containerd-shim.*$CONTAINERD_SOCK|$EXTRA_NODE_PATTERN" >/dev/null || break
  sleep 0.25
done
log "Power cut: every cluster process was killed"
