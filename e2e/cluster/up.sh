#!/usr/bin/env bash
# Brings up a single-node Kubernetes on this machine from upstream parts (kine on SQLite, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet with containerd and runc, kube-proxy, CNI bridge)
# with k3s's add-ons (Rancher's local-path provisioner, CoreDNS, ServiceLB, Traefik as the ingress
# controller on the node's ports 80 and 443, kube-router's NetworkPolicy enforcement) and address
# layout, and prints the admin kubeconfig's path on its last line.
# Idempotent: a healthy cluster is reused. A cluster that was stopped, killed, or lost its machine
# to a power cut is resumed with all its objects and volumes: only what a running cluster leaves
# behind (processes, mounts, network state) is cleared first. Needs root: it runs containerd and the
# kubelet.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=e2e/cluster/lib.sh
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || die "the local cluster needs root (it runs containerd and the kubelet): run as root"

kubeconfig="$PUCK_STATE/kubeconfig"
node_ip=$(ip -4 -o route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
[ -n "$node_ip" ] || node_ip=$(hostname -I | awk '{print $1}')
node_name=$(hostname | tr '[:upper:]' '[:lower:]')

# Traefik and the NetworkPolicy enforcer are modules and builds of their own (build.sh traefik,
# build.sh netpol): on a first run they compile beside the rest and the cluster's bring-up, and are
# waited for only when the host add-ons start.
traefik_out=$(mktemp)
netpol_out=$(mktemp)
trap 'rm -f "$traefik_out" "$netpol_out"' EXIT
addons_build() {
  bash "$here/build.sh" traefik >"$traefik_out" & traefik_build_job=$!
  bash "$here/build.sh" netpol >"$netpol_out" & netpol_build_job=$!
}
addons_built() {
  wait "$traefik_build_job" || die "Traefik could not be built (see above)"
  wait "$netpol_build_job" || die "the NetworkPolicy enforcer could not be built (see above)"
  traefik_bin=$(tail -n 1 "$traefik_out")
  netpol_bin=$(tail -n 1 "$netpol_out")
}

if [ -f "$kubeconfig" ] && cluster_healthy; then
  # ServiceLB, Traefik and the policy enforcer (re)started in place when missing: a cluster made before them, or one whose
  # ingress died, gets them without restarting its pods.
  if ! host_addons_running; then
    addons_build
    bin=$(bash "$here/build.sh")
    addons_built
    start_host_addons "$bin" "$traefik_bin" "$netpol_bin" "$node_name" "$node_ip"
  fi
  log "Reused the running cluster"
  echo "$kubeconfig"
  exit 0
fi

ensure_host_packages
addons_build
bin=$(bash "$here/build.sh")
if cluster_has_data; then
  log "Resuming the cluster in $PUCK_STATE (clearing what its last run left behind)"
else
  log "Creating a new cluster in $PUCK_STATE"
fi
stop_cluster
load_layout

mkdir -p "$PUCK_STATE"/{pki,logs,kubelet,storage,cni/net.d,containerd} "$PUCK_RUN" "$PUCK_STATE/bin"
for b in kubectl; do ln -sf "$bin/$b" "$PUCK_STATE/bin/$b"; done

log "Writing certificates for node $node_name ($node_ip)"
bash "$here/pki.sh" "$PUCK_STATE/pki" "$node_ip" "$node_name" "$KUBERNETES_SERVICE_IP"
bash "$here/kubeconfigs.sh" "$PUCK_STATE" "$node_name"

# --- host networking -------------------------------------------------------------------------
sysctl -qw net.ipv4.ip_forward=1
[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] && sysctl -qw net.bridge.bridge-nf-call-iptables=1
write_cni_config "$PUCK_STATE/cni/net.d/10-puck.conflist" "$POD_CIDR" "$PUCK_STATE/cni/ipam"

# --- containerd ------------------------------------------------------------------------------
write_containerd_config "$PUCK_STATE/containerd/config.toml" "$PUCK_STATE/containerd/root" "$PUCK_RUN/containerd" "$CONTAINERD_SOCK" "$PUCK_STATE/cni/net.d"
start_daemon containerd containerd --config "$PUCK_STATE/containerd/config.toml"
wait_until 30 "containerd to answer" ctr --address "$CONTAINERD_SOCK" version
bash "$here/images.sh" pause "$bin/pause"
# The add-ons' images are needed only once the node is up: made (or found) meanwhile.
bash "$here/images.sh" addons "$bin" >"$PUCK_RUN/addon-images" &
addon_images_job=$!

# --- control plane ---------------------------------------------------------------------------
pki=$PUCK_STATE/pki
# The datastore syncs what it acknowledges to disk: after a power cut the cluster still holds it.
case "$DATASTORE" in
  kine)
    # As a single k3s server runs it: SQLite in WAL mode behind kine's etcd API.
    mkdir -p "$(dirname "$KINE_DB")"
    start_daemon kine "$bin/kine" --listen-address 127.0.0.1:2379 \
      --endpoint "sqlite://$KINE_DB?_journal=WAL&cache=shared&_busy_timeout=30000&_txlock=immediate"
    wait_until 30 "kine to answer" bash -c '</dev/tcp/127.0.0.1/2379'
    ;;
  etcd)
    mkdir -p "$PUCK_STATE/etcd"
    start_daemon etcd "$bin/etcd" --name puck --data-dir "$PUCK_STATE/etcd" \
      --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
      --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
      --initial-cluster puck=http://127.0.0.1:2380 --log-level warn
    wait_until 30 "etcd to answer" curl -fsS http://127.0.0.1:2379/health
    ;;
  *) die "$LAYOUT_FILE names an unknown datastore: $DATASTORE" ;;
esac

start_daemon kube-apiserver "$bin/kube-apiserver" \
  --advertise-address "$node_ip" --bind-address 0.0.0.0 --secure-port 6443 \
  --etcd-servers http://127.0.0.1:2379 \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
  --client-ca-file "$pki/ca.crt" --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types InternalIP,ExternalIP,Hostname \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --profiling=false --v=1
wait_until 60 "the API server to be ready" "$bin/kubectl" --kubeconfig "$kubeconfig" get --raw /readyz

start_daemon kube-controller-manager "$bin/kube-controller-manager" \
  --kubeconfig "$PUCK_STATE/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$PUCK_STATE/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$PUCK_STATE/controller-manager.kubeconfig" \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --allocate-node-cidrs --cluster-cidr "$CLUSTER_CIDR" --node-cidr-mask-size 24 --service-cluster-ip-range "$SERVICE_CIDR" \
  --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
  --use-service-account-credentials --leader-elect=false --bind-address 127.0.0.1 --profiling=false --v=1
start_daemon kube-scheduler "$bin/kube-scheduler" \
  --kubeconfig "$PUCK_STATE/scheduler.kubeconfig" \
  --authentication-kubeconfig "$PUCK_STATE/scheduler.kubeconfig" \
  --authorization-kubeconfig "$PUCK_STATE/scheduler.kubeconfig" \
  --leader-elect=false --bind-address 127.0.0.1 --profiling=false --v=1

# --- node --------------------------------------------------------------------------------------
write_kubelet_config "$PUCK_STATE/kubelet/config.yaml" "$pki/ca.crt" "$pki" "$CONTAINERD_SOCK"
# Pods started from here on are this run's: what the add-ons' readiness is judged against.
node_started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
start_daemon kubelet "$bin/kubelet" --config "$PUCK_STATE/kubelet/config.yaml" \
  --kubeconfig "$PUCK_STATE/kubelet.kubeconfig" --root-dir "$PUCK_STATE/kubelet" \
  --hostname-override "$node_name" --node-ip "$node_ip" --v=1
start_daemon kube-proxy "$bin/kube-proxy" --kubeconfig "$PUCK_STATE/kube-proxy.kubeconfig" \
  --hostname-override "$node_name" --cluster-cidr "$CLUSTER_CIDR" --proxy-mode iptables \
  --conntrack-max-per-core 0 --metrics-bind-address 127.0.0.1:10249 --v=1

kc=("$bin/kubectl" --kubeconfig "$kubeconfig")

# --- add-ons, as k3s deploys them ----------------------------------------------------------------
# Applied while the node comes up (their pods start once it is Ready), so a warm start does not
# wait for the API round trips on top of the node.
# A cluster made when storage was a host process has its `local-path` class naming that provisioner
# (a class's provisioner cannot change): it is replaced. Volumes it made stay bound; releasing one
# leaves its directory behind, as nothing serves its provisioner name any more.
if [ "$("${kc[@]}" get storageclass local-path -o jsonpath='{.provisioner}' 2>/dev/null)" = puck.sandwich.labs/local-path ]; then
  log "Replacing the local-path StorageClass of the former host-process provisioner"
  "${kc[@]}" delete storageclass local-path >/dev/null
  "${kc[@]}" delete clusterrole,clusterrolebinding puck-e2e:local-path-provisioner --ignore-not-found >/dev/null
fi
wait "$addon_images_job" || die "the add-on images could not be made (see above)"
# The API server makes kube-system just after it turns ready: a new cluster may not have it yet.
wait_until 30 "the kube-system namespace" "${kc[@]}" get namespace kube-system
declare -A addon_image
while read -r name image; do addon_image[$name]=$image; done <"$PUCK_RUN/addon-images"
{
  render_manifest "$here/manifests/local-storage.yaml" STORAGE_DIR="$PUCK_STATE/storage" \
    PROVISIONER_IMAGE="${addon_image[provisioner]}" HELPER_IMAGE="${addon_image[helper]}"
  echo ---
  render_manifest "$here/manifests/coredns.yaml" COREDNS_IMAGE="${addon_image[coredns]}" \
    CLUSTER_DNS="$CLUSTER_DNS" CLUSTER_DOMAIN="$CLUSTER_DOMAIN"
} | "${kc[@]}" apply -f - >/dev/null
addons_built
start_host_addons "$bin" "$traefik_bin" "$netpol_bin" "$node_name" "$node_ip"

wait_until 90 "node $node_name to be Ready" \
  sh -c "'$bin/kubectl' --kubeconfig '$kubeconfig' get node '$node_name' -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
wait_until 60 "the default service account" "${kc[@]}" -n default get serviceaccount default
wait_until 120 "the local-path provisioner to run" pod_ready_since kube-system app=local-path-provisioner "$node_started"
wait_until 120 "CoreDNS to be ready" pod_ready_since kube-system k8s-app=kube-dns "$node_started"
log "Cluster is up: Kubernetes $(basename "$bin" | cut -d- -f1) on node $node_name; logs in $PUCK_STATE/logs"
echo "$kubeconfig"
