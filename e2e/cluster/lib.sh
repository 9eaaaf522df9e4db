# Shared settings and helpers for the local cluster scripts (sourced, not run).
# Everything the cluster keeps lives outside the repo: binaries and images in the cache, running
# state under the state directory; both can be moved with environment variables.
PUCK_CACHE=${PUCK_CACHE:-/var/cache/puck-e2e}
PUCK_STATE=${PUCK_STATE:-/var/lib/puck-e2e}
PUCK_RUN=${PUCK_RUN:-/run/puck-e2e}
# Present while the cluster's data was made by the test command (scripts/test.sh), which may then
# wipe it; a cluster without it holds a user's data and is never wiped unasked.
PUCK_OWNER_FILE=$PUCK_STATE/made-by-tests

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

# k3s's address layout: pods in 10.42.0.0/16 (a /24 per node), Services in 10.43.0.0/16 with the API
# at .1 and cluster DNS at .10. A cluster keeps the layout it was made with (layout.env): Services
# and pods cannot move to another range under a running datastore.
CLUSTER_CIDR=10.42.0.0/16
POD_CIDR=10.42.0.0/24
SERVICE_CIDR=10.43.0.0/16
KUBERNETES_SERVICE_IP=10.43.0.1
CLUSTER_DNS=10.43.0.10
CLUSTER_DOMAIN=cluster.local
# The cluster's layout (addresses and datastore), fixed when it is made.
LAYOUT_FILE=$PUCK_STATE/layout.env
# A single k3s server's datastore: SQLite through kine.
DATASTORE=kine
KINE_DB=$PUCK_STATE/db/state.db
CONTAINERD_SOCK=$PUCK_RUN/containerd/containerd.sock
PAUSE_IMAGE=puck.local/pause:1
# Extra nodes (node.sh) keep their state under $NODES_STATE/NAME and their runtime files under
# $NODES_RUN/NAME; their pods' cgroups live under /puck-node-NAME, apart from the first node's kubepods.
NODES_STATE=$PUCK_STATE/nodes
NODES_RUN=$PUCK_RUN/nodes
NODE_CGROUP_PREFIX=puck-node-
# The host ends of extra nodes' veth pairs: puckn1, puckn2...
NODE_LINK_PREFIX=puckn
# The comment on the host's iptables rules an extra node adds (its egress masquerade).
NODE_RULE_COMMENT=puck-node-
# What the command lines of every extra node's containerd and shims contain (extended regex).
EXTRA_NODE_PATTERN="$NODES_STATE/[^/]+/containerd/config.toml|containerd-shim.*$NODES_RUN/"
# Every process the cluster starts runs one of these; down.sh finds leftovers of killed runs by them.
# The host add-ons among them (k3s's ServiceLB, Traefik and NetworkPolicy enforcer): up.sh starts
# them anew in a running cluster that lacks them, without restarting it.
HOST_ADDONS=(traefik servicelb netpol)
DAEMONS=("${HOST_ADDONS[@]}" kube-proxy kubelet kube-scheduler kube-controller-manager kube-apiserver kine etcd containerd)

# write_token_kubeconfig SERVICE_ACCOUNT FILE [SERVER]: a kubeconfig for the API server (by default
# on this machine's loopback) as kube-system/SERVICE_ACCOUNT, for a host daemon that acts as that
# account (ServiceLB, Traefik, the NetworkPolicy enforcer), with a token valid for a year in
# FILE.token (read from there at each start). Written anew by up.sh.
write_token_kubeconfig() {
  local account=$1 file=$2 server=${3-https://127.0.0.1:6443} token
  token=$("$PUCK_STATE/bin/kubectl" --kubeconfig "$PUCK_STATE/kubeconfig" -n kube-system create token "$account" --duration 8760h) ||
    die "could not make a token for kube-system/$account"
  (
    umask 077
    printf '%s' "$token" >"$file.token"
    cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: puck-e2e
  cluster: { server: "$server", certificate-authority: "$PUCK_STATE/pki/ca.crt" }
users:
- name: $account
  user: { tokenFile: "$file.token" }
contexts:
- name: puck-e2e
  context: { cluster: puck-e2e, user: $account }
current-context: puck-e2e
EOF
  )
}

# daemon_running NAME: the daemon up.sh started as NAME runs.
daemon_running() {
  local pid
  pid=$(cat "$PUCK_RUN/$1.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null
}

host_addons_running() {
  local d
  for d in "${HOST_ADDONS[@]}"; do daemon_running "$d" || return 1; done
}

# start_host_addons BIN_DIR TRAEFIK_DIR NETPOL_DIR NODE_NAME NODE_IP: k3s's ServiceLB, its ingress
# controller (Traefik) and its NetworkPolicy enforcer as host daemons, each with a token of its own
# least-privilege ServiceAccount (manifests/servicelb.yaml, traefik.yaml, netpol.yaml); those already
# running are left alone.
start_host_addons() {
  local bin=$1 traefik=$2 netpol=$3 node_name=$4 node_ip=$5 here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  { cat "$here/manifests/servicelb.yaml"; echo ---; cat "$here/manifests/traefik.yaml"; echo ---; cat "$here/manifests/netpol.yaml"; } |
    "$PUCK_STATE/bin/kubectl" --kubeconfig "$PUCK_STATE/kubeconfig" apply -f - >/dev/null
  if ! daemon_running netpol; then
    # As k3s enforces NetworkPolicy: kube-router's controller, with iptables rules and ipsets.
    start_netpol netpol "$netpol" "$node_name" "$PUCK_STATE/netpol.kubeconfig" https://127.0.0.1:6443
  fi
  if ! daemon_running servicelb; then
    # LoadBalancer Services get the node's InternalIP; kube-proxy serves it (kube/servicelb/main.go).
    # Ports 80 and 443 are Traefik's: a LoadBalancer on them would take the node's traffic from it.
    write_token_kubeconfig puck-servicelb "$PUCK_STATE/servicelb.kubeconfig"
    start_daemon servicelb "$bin/servicelb" --kubeconfig "$PUCK_STATE/servicelb.kubeconfig" --node "$node_name" --reserved-ports 80,443
  fi
  if ! daemon_running traefik; then
    # As k3s configures it: entrypoints web (80) and websecure (443, TLS with the Ingress's Secret,
    # else Traefik's default certificate), the Kubernetes Ingress provider; an Ingress's status gets
    # the node's address, as k3s's does through ServiceLB. Its own entrypoint (ping) is on loopback:
    # its default :8080 is kine's.
    write_token_kubeconfig traefik "$PUCK_STATE/traefik.kubeconfig"
    start_daemon traefik "$traefik/traefik" \
      --entrypoints.web.address=:80 --entrypoints.websecure.address=:443 --entrypoints.websecure.http.tls=true \
      --entrypoints.traefik.address=127.0.0.1:9000 --ping=true \
      --providers.kubernetesingress=true --providers.kubernetesingress.endpoint=https://127.0.0.1:6443 \
      --providers.kubernetesingress.token="$PUCK_STATE/traefik.kubeconfig.token" \
      --providers.kubernetesingress.certauthfilepath="$PUCK_STATE/pki/ca.crt" \
      --providers.kubernetesingress.ingressendpoint.ip="$node_ip" \
      --global.checknewversion=false --global.sendanonymoususage=false --log.level=INFO --log.nocolor=true
  fi
  wait_until 60 "Traefik to answer" curl -fsS http://127.0.0.1:9000/ping
}

# start_netpol DAEMON NETPOL_DIR NODE_NAME KUBECONFIG SERVER [PREFIX...]: the NetworkPolicy enforcer
# of one node's pods (netpol/main.go), reaching the API server at SERVER; an extra node's runs inside
# its network namespace (PREFIX: the command that enters it).
start_netpol() {
  local daemon=$1 dir=$2 node_name=$3 kubeconfig=$4 server=$5
  shift 5
  ensure_packages ipset
  load_layout
  write_token_kubeconfig puck-netpol "$kubeconfig" "$server"
  start_daemon "$daemon" "$@" "$dir/netpol" --kubeconfig "$kubeconfig" --node "$node_name" --service-cidr "$SERVICE_CIDR"
}

# cluster_has_data: a datastore exists, so the cluster in $PUCK_STATE holds objects (a user's,
# perhaps): up.sh resumes it, and only wipe.sh deletes it.
cluster_has_data() {
  [ -f "$KINE_DB" ] || [ -d "$PUCK_STATE/etcd/member" ]
}

# load_layout: the address layout and datastore of the cluster in $PUCK_STATE. A new cluster gets
# k3s's and records them; a cluster made before the layout was recorded keeps the kubeadm-like
# addresses and the etcd it was made with.
load_layout() {
  if [ -f "$LAYOUT_FILE" ]; then
    # shellcheck source=/dev/null
    . "$LAYOUT_FILE"
    return 0
  fi
  if [ -d "$PUCK_STATE/etcd/member" ]; then
    CLUSTER_CIDR=10.244.0.0/16 POD_CIDR=10.244.0.0/24 SERVICE_CIDR=10.96.0.0/16
    KUBERNETES_SERVICE_IP=10.96.0.1 CLUSTER_DNS=10.96.0.10 DATASTORE=etcd
  fi
  mkdir -p "$PUCK_STATE"
  printf '%s\n' "CLUSTER_CIDR=$CLUSTER_CIDR" "POD_CIDR=$POD_CIDR" "SERVICE_CIDR=$SERVICE_CIDR" \
    "KUBERNETES_SERVICE_IP=$KUBERNETES_SERVICE_IP" "CLUSTER_DNS=$CLUSTER_DNS" "CLUSTER_DOMAIN=$CLUSTER_DOMAIN" \
    "DATASTORE=$DATASTORE" >"$LAYOUT_FILE"
}

# render_manifest FILE NAME=VALUE...: prints FILE with each @NAME@ replaced by its VALUE; fails if
# any @NAME@ is left unfilled.
render_manifest() {
  local file=$1 text pair; shift
  text=$(cat "$file")
  for pair in "$@"; do
    text=${text//"@${pair%%=*}@"/"${pair#*=}"}
  done
  if [[ "$text" =~ @[A-Z_]+@ ]]; then
    die "$file: ${BASH_REMATCH[0]} was not filled in"
  fi
  printf '%s\n' "$text"
}

ctr_() { ctr --address "$CONTAINERD_SOCK" "$@"; }

# node_sockets: the containerd socket of every node that runs here: the first node's, then each
# extra node's (node.sh) that is up.
node_sockets() {
  local s
  [ -S "$CONTAINERD_SOCK" ] && echo "$CONTAINERD_SOCK"
  for s in "$NODES_RUN"/*/containerd/containerd.sock; do
    [ -S "$s" ] && echo "$s"
  done
  return 0
}

# write_cni_config FILE SUBNET IPAM_DIR: a node's CNI network: a bridge puck0 (in the node's network
# namespace) handing out addresses of SUBNET, masquerading what leaves it.
write_cni_config() {
  cat >"$1" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "puck",
  "plugins": [
    {
      "type": "bridge", "bridge": "puck0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$2" }]], "routes": [{ "dst": "0.0.0.0/0" }],
                "dataDir": "$3" }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
}

# write_containerd_config FILE ROOT STATE SOCKET CNI_CONF_DIR [CRI_LINE]: a node's containerd, with
# its own root, state and socket; CRI_LINE is one more setting of the CRI plugin.
write_containerd_config() {
  cat >"$1" <<EOF
version = 2
root = "$2"
state = "$3"
[grpc]
  address = "$4"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  enable_unprivileged_ports = true
  # This machine lacks CAP_SYS_RESOURCE: lowering oom_score_adj below containerd's own would fail.
  restrict_oom_score_adj = true${6:+
  $6}
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$5"
EOF
}

# write_kubelet_config FILE CA_FILE CERT_DIR SOCKET [YAML]: a node's kubelet, serving with
# CERT_DIR/kubelet.{crt,key}; YAML adds settings (an extra node's cgroup root, taints, log dir).
write_kubelet_config() {
  # Pods of dnsPolicy Default, CoreDNS among them, get the node's resolvers. A loopback stub resolver
  # (systemd-resolved's 127.0.0.53) is out of a pod's reach: its upstream list is used instead, as
  # k3s does.
  local resolv_conf=/etc/resolv.conf
  if grep -qE '^nameserver[[:space:]]+127\.' /etc/resolv.conf && [ -f /run/systemd/resolve/resolv.conf ]; then
    resolv_conf=/run/systemd/resolve/resolv.conf
  fi
  cat >"$1" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: "$2" }
authorization: { mode: Webhook }
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$4
failSwapOn: false
tlsCertFile: "$3/kubelet.crt"
tlsPrivateKeyFile: "$3/kubelet.key"
resolvConf: $resolv_conf
clusterDNS: ["$CLUSTER_DNS"]
clusterDomain: $CLUSTER_DOMAIN
# A test node on a shared disk: evict only when truly out of room.
evictionHard: { memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%" }
imageGCHighThresholdPercent: 100
serializeImagePulls: false
syncFrequency: 10s
fileCheckFrequency: 10s
nodeStatusUpdateFrequency: 10s
EOF
  if [ -n "${5-}" ]; then printf '%s\n' "$5" >>"$1"; fi
}

# Installs the Debian packages the cluster runs on, when any is missing.
ensure_host_packages() {
  # gcc and libc6-dev: kine links SQLite through cgo.
  ensure_packages containerd runc containernetworking-plugins iptables ipset conntrack buildah mmdebstrap curl openssl iproute2 gcc libc6-dev
}

# ensure_packages PKG...: installs those of the Debian packages that are missing.
ensure_packages() {
  local pkgs=("$@")
  local missing=() p
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} = 0 ] && return 0
  log "Installing Debian packages: ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# start_daemon NAME COMMAND [ARGS...]: runs a daemon in its own session, logging to logs/NAME.log.
start_daemon() {
  local name=$1; shift
  log "Starting $name"
  # The command line is kept so that restart.sh can start the daemon again exactly so.
  printf '%s\0' "$@" >"$PUCK_RUN/$name.cmd"
  setsid "$@" >>"$PUCK_STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$PUCK_RUN/$name.pid"
}

# wait_until SECONDS WHAT COMMAND [ARGS...]: retries COMMAND until it succeeds or time runs out,
# then shows the last lines of the daemon logs so the failure says what went wrong.
wait_until() {
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      log "error: timed out after ${seconds}s waiting for $what; last log lines:"
      local f
      for f in "$PUCK_STATE"/logs/*.log; do
        [ -f "$f" ] || continue
        echo "--- $f" >&2
        tail -n 8 "$f" >&2
      done
      exit 1
    fi
    sleep 0.5
  done
}

# pod_ready_since NAMESPACE SELECTOR SINCE: a pod matching SELECTOR is Ready with a container started
# at or after SINCE (RFC 3339, UTC). Readiness recorded before the node restarted does not count: a
# resumed cluster still shows its pods' last status until the kubelet reports anew.
pod_ready_since() {
  local ns=$1 selector=$2 since=$3 ready started
  while read -r ready started; do
    [ "$ready" = true ] && [ -n "$started" ] && [[ ! "$started" < "$since" ]] && return 0
  done < <("$PUCK_STATE/bin/kubectl" --kubeconfig "$PUCK_STATE/kubeconfig" --request-timeout 5s -n "$ns" get pods -l "$selector" \
    -o jsonpath='{range .items[*]}{.status.containerStatuses[0].ready} {.status.containerStatuses[0].state.running.startedAt}{"\n"}{end}')
  return 1
}

# The cluster is healthy when every daemon runs and the API server and the node are ready.
cluster_healthy() {
  local d pid
  for d in "${DAEMONS[@]}"; do
    # Only one of the datastores runs: a daemon this run never started has no command line.
    [ -f "$PUCK_RUN/$d.cmd" ] || continue
    # A host add-on that stopped is started again by up.sh, in place (start_host_addons).
    [[ " ${HOST_ADDONS[*]} " == *" $d "* ]] && continue
    pid=$(cat "$PUCK_RUN/$d.pid" 2>/dev/null) || return 1
    kill -0 "$pid" 2>/dev/null || return 1
  done
  [ -f "$PUCK_RUN/kube-apiserver.cmd" ] || return 1
  [ -x "$PUCK_STATE/bin/kubectl" ] || return 1
  "$PUCK_STATE/bin/kubectl" --kubeconfig "$PUCK_STATE/kubeconfig" --request-timeout 5s get --raw /readyz >/dev/null 2>&1 || return 1
  # This machine's node (up.sh names it after the host): an extra node (node.sh) may be down.
  "$PUCK_STATE/bin/kubectl" --kubeconfig "$PUCK_STATE/kubeconfig" --request-timeout 5s get node "$(hostname | tr '[:upper:]' '[:lower:]')" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -qx True
}

# kill_cluster_processes SIGNAL: the daemons (by pid file, then by our binaries and our containerd's
# config), the container shims and every process in the pods' cgroups.
kill_cluster_processes() {
  local signal=$1 d pid root cg
  for d in "${DAEMONS[@]}"; do
    pid=$(cat "$PUCK_RUN/$d.pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill "-$signal" "$pid" 2>/dev/null || true
  done
  pkill "-$signal" -f "$PUCK_CACHE/bin/|$PUCK_STATE/containerd/config.toml|$EXTRA_NODE_PATTERN" 2>/dev/null || true
  pkill -9 -f "containerd-shim.*$CONTAINERD_SOCK|containerd-shim.*$NODES_RUN/" 2>/dev/null || true
  for root in /sys/fs/cgroup/*/; do
    for cg in "$root"kubepods* "$root$NODE_CGROUP_PREFIX"*; do
      [ -d "$cg" ] || continue
      find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    done
  done
}

# forget_host_names REGEX: removes the lines of /etc/hosts an extra node added (node.sh) that match.
forget_host_names() {
  grep -q -- "$1" /etc/hosts 2>/dev/null || return 0
  # Rewritten in place: /etc/hosts may be a bind mount that cannot be replaced.
  local kept
  kept=$(grep -v -- "$1" /etc/hosts)
  printf '%s\n' "$kept" >/etc/hosts
}

# unmount_under PREFIX...: every mount whose path starts with one of the PREFIXes, deepest first.
unmount_under() {
  local _ m mounts
  for _ in 1 2 3; do
    mounts=$(awk -v prefixes="$*" 'BEGIN { n = split(prefixes, p, " ") } { for (i = 1; i <= n; i++) if (index($2, p[i]) == 1) { print $2; break } }' /proc/self/mounts | sort -r)
    [ -z "$mounts" ] && break
    for m in $mounts; do umount -l "$m" 2>/dev/null || true; done
  done
}

# stop_cluster: stops every process of the cluster and clears what only a running cluster needs,
# including what a killed run or a power cut left behind (pod cgroups, mounts, network namespaces,
# the bridge, iptables rules, runtime state, IP allocations). Keeps all data.
stop_cluster() {
  local _ t root cg
  kill_cluster_processes TERM
  for _ in $(seq 1 20); do
    pgrep -f "$PUCK_CACHE/bin/|$PUCK_STATE/containerd/config.toml|$EXTRA_NODE_PATTERN" >/dev/null || break
    sleep 0.25
  done
  kill_cluster_processes KILL
  for root in /sys/fs/cgroup/*/; do
    for cg in "$root"kubepods* "$root$NODE_CGROUP_PREFIX"*; do
      [ -d "$cg" ] || continue
      # Leaves first: a cgroup can only be removed once it has no children.
      find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
  done
  # Mounts under our state (pod volumes, container rootfs); the CNI's namespaces.
  unmount_under "$PUCK_STATE/" "$PUCK_RUN/" /run/netns/cni-
  rm -f /run/netns/cni-* 2>/dev/null || true
  ip link del puck0 2>/dev/null || true
  # Extra nodes' network namespaces (bind mounts under $NODES_RUN, unmounted above) go with their
  # veth pairs, bridges and rules; a host end left by a namespace still held goes here.
  local link
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -E "^${NODE_LINK_PREFIX}[0-9]+\$"); do
    ip link del "$link" 2>/dev/null || true
  done
  forget_host_names " # ${NODE_RULE_COMMENT}[-a-z0-9]*\$"
  if command -v iptables-save >/dev/null; then
    for t in nat filter mangle; do
      if iptables-save -t "$t" 2>/dev/null | grep -qE "KUBE-|CNI-|$NODE_RULE_COMMENT"; then
        iptables-save -t "$t" | grep -vE "KUBE-|CNI-|$NODE_RULE_COMMENT" | iptables-restore -T "$t" 2>/dev/null || true
      fi
    done
  fi
  # The NetworkPolicy enforcer's address sets (kube-router names them KUBE-SRC-…, KUBE-DST-…), free
  # once the rules that used them are gone.
  if command -v ipset >/dev/null; then
    ipset list -n 2>/dev/null | grep -E '^KUBE-' | xargs -r -n 1 ipset destroy 2>/dev/null || true
  fi
  # Every container is gone, so every pod IP the CNI handed out is free again.
  rm -rf "$PUCK_RUN" "$PUCK_STATE/cni/ipam"
}
