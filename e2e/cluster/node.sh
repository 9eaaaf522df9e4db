#!/usr/bin/env bash
# An extra node for the running local cluster, as a multi-node homelab has them: its own kubelet and
# containerd (own root, state, socket, pod log directory, and pods' cgroups under /puck-node-NAME),
# in its own network namespace joined to the host by a veth pair, with the pod CIDR the
# controller-manager gives it routed both ways. Opt-in and apart: it registers with the taint
# puck.sandwich.labs/e2e-node=NAME:NoSchedule, so only pods that tolerate it land there, and
# nothing of the first node (processes, cgroups, iptables rules) is touched by starting or stopping
# it. cluster:down, wipe and a power cut take extra nodes down with the rest.
# Usage: node.sh up NAME [IMAGE...]
#                             starts (or resumes) node NAME, with copies of the first node's images
#                             (only the cluster's own and the IMAGEs named, e.g. puck-sprite:dev, if any)
#        node.sh down NAME    stops it as a machine going down: processes and containers; its Node
#                             object stays (NotReady), its state too
#        node.sh remove NAME  down, then deletes its Node object and its state
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=e2e/cluster/lib.sh
. "$here/lib.sh"

action=${1-} name=${2-}
images=("${@:3}")
case "$action" in up|down|remove) ;; *) die "usage: node.sh up|down|remove NAME" ;; esac
[[ "$name" =~ ^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$ ]] || die "node name '$name' must be a DNS label of at most 32 characters (e.g. node2)"
[ "$name" != "$(hostname | tr '[:upper:]' '[:lower:]')" ] || die "'$name' is the first node's name (this machine's): give the extra node another name"
[ "$(id -u)" = 0 ] || die "an extra node needs root (it runs containerd and the kubelet): run as root"

node_state=$NODES_STATE/$name
node_run=$NODES_RUN/$name
# The node's network namespace, kept by a bind mount on this file. Not `ip netns add`: its first
# use turns /run/netns into a bind mount of itself, which hides the first node's pod namespaces
# mounted there before and leaves their pods unable to terminate.
netns=$node_run/netns.net
cgroup=$NODE_CGROUP_PREFIX$name
sock=$node_run/containerd/containerd.sock
rule_comment=$NODE_RULE_COMMENT$name
TAINT_KEY=puck.sandwich.labs/e2e-node
kubeconfig=$PUCK_STATE/kubeconfig
# Only the network namespace is entered: the node shares the host's mounts, as the first node does.
in_node=(nsenter "--net=$netns")
kc() { "$PUCK_STATE/bin/kubectl" --kubeconfig "$kubeconfig" --request-timeout 10s "$@"; }

# node_ready_since SINCE: the kubelet reported the node Ready at or after SINCE (RFC 3339, UTC).
node_ready_since() {
  local status beat
  read -r status beat < <(kc get node "$name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}')
  [ "$status" = True ] && [[ ! "$beat" < "$1" ]]
}

# node_index: a small number of its own (1-250), for its veth's name and transit addresses; kept
# in its state so a resumed node keeps them.
node_index() {
  local i used
  if [ -f "$node_state/index" ]; then cat "$node_state/index"; return 0; fi
  used=$(cat "$NODES_STATE"/*/index 2>/dev/null || true)
  for i in $(seq 1 250); do
    grep -qx "$i" <<<"$used" || { mkdir -p "$node_state"; echo "$i" >"$node_state/index"; echo "$i"; return 0; }
  done
  die "no free node index: remove an extra node first"
}

# masquerade_rule -A|-D|-C: the host's rule that lets the node's traffic out to the world.
masquerade_rule() {
  iptables -t nat "$1" POSTROUTING -s "$transit_net" ! -d "$CLUSTER_CIDR" -m comment --comment "$rule_comment" -j MASQUERADE
}

# An API server started before up.sh asked for InternalIP first (as k3s does) reaches a kubelet
# by its node name: that name must then resolve, as a homelab's DNS would make it.
hosts_mark="# $NODE_RULE_COMMENT$name"
resolve_host_name() {
  if tr '\0' '\n' <"$PUCK_RUN/kube-apiserver.cmd" | grep -qx -- --kubelet-preferred-address-types; then return 0; fi
  printf '%s %s %s\n' "$node_ip" "$name" "$hosts_mark" >>/etc/hosts
}
forget_host_name() {
  forget_host_names " $hosts_mark\$"
}

# stop_node: this node's processes, containers, mounts, cgroups and network, and nothing else:
# every pattern below holds this node's own directories or names.
stop_node() {
  local d pid _ root
  for d in netpol kubelet containerd; do
    pid=$(cat "$node_run/$d.pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  done
  pkill -TERM -f "$node_state/" 2>/dev/null || true
  for _ in $(seq 1 20); do
    pgrep -f "$node_state/" >/dev/null || break
    sleep 0.25
  done
  pkill -KILL -f "$node_state/" 2>/dev/null || true
  pkill -KILL -f "containerd-shim.*$node_run/" 2>/dev/null || true
  for root in /sys/fs/cgroup/*/; do
    [ -d "$root$cgroup" ] || continue
    find "$root$cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  done
  for root in /sys/fs/cgroup/*/; do
    [ -d "$root$cgroup" ] || continue
    find "$root$cgroup" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  # The namespace's bind mount is under $node_run: unmounted, it goes with its veth pair.
  unmount_under "$node_state/" "$node_run/"
  if [ -n "${host_if-}" ]; then ip link del "$host_if" 2>/dev/null || true; fi
  forget_host_name
  if [ -n "${transit_net-}" ]; then
    while masquerade_rule -C 2>/dev/null; do masquerade_rule -D; done
  fi
  rm -rf "$node_run" "$node_state/cni/ipam"
}

# The first node's binaries: an extra node runs the same Kubernetes.
[ -f "$PUCK_RUN/kubelet.cmd" ] || die "the local cluster is not up: run npm run cluster:up first"
bin=$(dirname "$(tr '\0' '\n' <"$PUCK_RUN/kubelet.cmd" | head -n 1)")
load_layout
# A node never started has no index, nor anything to stop.
if [ "$action" = up ] || [ -f "$node_state/index" ]; then
  index=$(node_index) || exit 1
  host_if=$NODE_LINK_PREFIX$index
  transit_net=10.41.$index.0/30 host_ip=10.41.$index.1 node_ip=10.41.$index.2
fi

case "$action" in
  down)
    stop_node
    log "Node $name is down (its Node object stays NotReady; node.sh remove $name deletes it)"
    exit 0
    ;;
  remove)
    stop_node
    kc delete node "$name" --ignore-not-found >/dev/null
    rm -rf "$node_state" "$PUCK_STATE/logs/nodes/$name"
    # The cgroup parent itself goes last: stop_node kept it, as a stopped node keeps its slice.
    for root in /sys/fs/cgroup/*/; do rmdir "$root$cgroup" 2>/dev/null || true; done
    log "Node $name is removed"
    exit 0
    ;;
esac

kc get --raw /readyz >/dev/null 2>&1 || die "the local cluster's API server does not answer: run npm run cluster:up first"
kubelet_pid=$(cat "$node_run/kubelet.pid" 2>/dev/null || true)
if [ -n "$kubelet_pid" ] && kill -0 "$kubelet_pid" 2>/dev/null &&
  [ "$(kc get node "$name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]; then
  log "Node $name is already up"
  echo "$name"
  exit 0
fi
log "Starting node $name (index $index, address $node_ip)"
# The Node object may still say Ready from before it went down: only a report from now counts.
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
stop_node
mkdir -p "$node_state"/{pki,kubelet,containerd,cni/net.d,pod-logs} "$node_run" "$PUCK_STATE/logs/nodes/$name"

# --- network: a namespace of its own, a veth pair to the host ---------------------------------
touch "$netns"
unshare "--net=$netns" true
ip link add "$host_if" type veth peer name eth0 netns "$netns"
ip addr add "$host_ip/30" dev "$host_if"
ip link set "$host_if" up
"${in_node[@]}" ip link set lo up
"${in_node[@]}" ip addr add "$node_ip/30" dev eth0
"${in_node[@]}" ip link set eth0 up
"${in_node[@]}" ip route add default via "$host_ip"
"${in_node[@]}" sysctl -qw net.ipv4.ip_forward=1
masquerade_rule -A
resolve_host_name

# --- certificates, reaching the API server at the first node's address ------------------------
api_ip=$(tr '\0' '\n' <"$PUCK_RUN/kube-apiserver.cmd" | sed -n '/^--advertise-address$/{n;p}')
[ -n "$api_ip" ] || die "could not read the API server's address from $PUCK_RUN/kube-apiserver.cmd"
bash "$here/pki.sh" node "$node_state/pki" "$PUCK_STATE/pki" "$node_ip" "$name"
bash "$here/kubeconfigs.sh" node "$node_state" "$PUCK_STATE/pki" "https://$api_ip:6443" "$name"

# --- containerd ------------------------------------------------------------------------------
# Pods' network namespaces under this node's state directory (not /var/run/netns): stopping the
# node finds them there.
write_containerd_config "$node_state/containerd/config.toml" "$node_state/containerd/root" "$node_run/containerd" "$sock" \
  "$node_state/cni/net.d" "netns_mounts_under_state_dir = true"
start_daemon "nodes/$name/containerd" "${in_node[@]}" containerd --config "$node_state/containerd/config.toml"
wait_until 30 "node $name's containerd to answer" ctr --address "$sock" version
CONTAINERD_SOCK=$sock bash "$here/images.sh" pause "$bin/pause"

# --- kubelet ---------------------------------------------------------------------------------
# cgroupfs needs the parent in every hierarchy; cpuset's must be given CPUs and memory nodes.
for root in /sys/fs/cgroup/*/; do
  [ -f "$root/cgroup.procs" ] && [ "$root" != /sys/fs/cgroup/unified/ ] && mkdir -p "$root$cgroup"
done
if [ -d "/sys/fs/cgroup/cpuset/$cgroup" ]; then
  cat /sys/fs/cgroup/cpuset/cpuset.cpus >"/sys/fs/cgroup/cpuset/$cgroup/cpuset.cpus"
  cat /sys/fs/cgroup/cpuset/cpuset.mems >"/sys/fs/cgroup/cpuset/$cgroup/cpuset.mems"
fi
write_kubelet_config "$node_state/kubelet/config.yaml" "$PUCK_STATE/pki/ca.crt" "$node_state/pki" "$sock" "cgroupRoot: /$cgroup
podLogsDir: $node_state/pod-logs
registerWithTaints: [{ key: $TAINT_KEY, value: $name, effect: NoSchedule }]"
start_daemon "nodes/$name/kubelet" "${in_node[@]}" "$bin/kubelet" --config "$node_state/kubelet/config.yaml" \
  --kubeconfig "$node_state/kubelet.kubeconfig" --root-dir "$node_state/kubelet" \
  --hostname-override "$name" --node-ip "$node_ip" --node-labels "$TAINT_KEY=$name" --v=1

# --- pod routes: the /24 the controller-manager gives the node ---------------------------------
wait_until 60 "node $name to get a pod CIDR" sh -c "'$PUCK_STATE/bin/kubectl' --kubeconfig '$kubeconfig' get node '$name' -o jsonpath='{.spec.podCIDR}' | grep -q ."
pod_cidr=$(kc get node "$name" -o jsonpath='{.spec.podCIDR}')
write_cni_config "$node_state/cni/net.d/10-puck.conflist" "$pod_cidr" "$node_state/cni/ipam"
ip route replace "$pod_cidr" via "$node_ip" dev "$host_if"

# --- images: what the first node holds, so pods run here as they do there ----------------------
# Named images are matched by their last path part (puck-sprite:dev is docker.io/library/puck-sprite:dev).
wanted='.'
if [ ${#images[@]} -gt 0 ]; then
  wanted="^puck\.local/|(^|/)($(printf '%s\n' "${images[@]}" | sed 's/[.]/\\./g' | paste -sd '|'))\$"
fi
to_copy=$(comm -23 <(ctr_ -n k8s.io images ls -q | grep -v '^sha256:' | grep -E "$wanted" | sort) <(ctr --address "$sock" -n k8s.io images ls -q | sort))
if [ -n "$to_copy" ]; then
  log "Copying $(wc -l <<<"$to_copy") images from the first node"
  # shellcheck disable=SC2086
  ctr_ -n k8s.io images export - $to_copy | ctr --address "$sock" -n k8s.io images import - >/dev/null
fi

wait_until 90 "node $name to be Ready" node_ready_since "$started"
# NetworkPolicy enforced here as on the first node, by an enforcer inside this node's namespace (it
# needs the Node object, so it starts once the kubelet has registered it).
start_netpol "nodes/$name/netpol" "$(bash "$here/build.sh" netpol | tail -n 1)" "$name" "$node_state/netpol.kubeconfig" \
  "https://$api_ip:6443" "${in_node[@]}"
log "Node $name is up: pods in $pod_cidr, tainted $TAINT_KEY=$name:NoSchedule; logs in $PUCK_STATE/logs/nodes/$name"
echo "$name"
