#!/usr/bin/env bash
# Writes a kubeconfig per component of the local cluster, each with its own client certificate.
# Usage: kubeconfigs.sh STATE_DIR NODE_NAME
#        kubeconfigs.sh node NODE_DIR CA_DIR SERVER NODE_NAME   (an extra node's kubelet kubeconfig,
#        NODE_DIR/kubelet.kubeconfig, with the certificates in NODE_DIR/pki)
set -euo pipefail
server=https://127.0.0.1:6443
if [ "$1" = node ]; then
  state=$2 ca_crt=$3/ca.crt server=$4 node_name=$5
else
  state=$1 node_name=$2 ca_crt=$1/pki/ca.crt
fi
pki=$state/pki
b64() { base64 -w0 <"$1"; }

# write FILE CERT_NAME USER: a kubeconfig for $server with embedded credentials.
write() {
  cat >"$1" <<EOF2
apiVersion: v1
kind: Config
clusters:
- name: puck-e2e
  cluster:
    server: $server
    certificate-authority-data: $(b64 "$ca_crt")
users:
- name: $3
  user:
    client-certificate-data: $(b64 "$pki/$2.crt")
    client-key-data: $(b64 "$pki/$2.key")
contexts:
- name: puck-e2e
  context: { cluster: puck-e2e, user: $3, namespace: default }
current-context: puck-e2e
EOF2
  chmod 600 "$1"
}
if [ "$1" = node ]; then
  write "$state/kubelet.kubeconfig" kubelet-client "system:node:$node_name"
  exit 0
fi
write "$state/kubeconfig" admin puck-e2e-admin
write "$state/controller-manager.kubeconfig" controller-manager system:kube-controller-manager
write "$state/scheduler.kubeconfig" scheduler system:kube-scheduler
write "$state/kubelet.kubeconfig" kubelet-client "system:node:$node_name"
write "$state/kube-proxy.kubeconfig" kube-proxy system:kube-proxy
