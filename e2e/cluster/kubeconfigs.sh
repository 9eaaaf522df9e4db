#!/usr/bin/env bash
# Writes a kubeconfig per component of the local cluster, each with its own client certificate.
# Usage: kubeconfigs.sh STATE_DIR NODE_NAME
set -euo pipefail
state=$1 node_name=$2
pki=$state/pki
b64() { base64 -w0 <"$1"; }

# write FILE CERT_NAME USER: a kubeconfig for https://127.0.0.1:6443 with embedded credentials.
write() {
  cat >"$1" <<EOF2
apiVersion: v1
kind: Config
clusters:
- name: puck-e2e
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: $(b64 "$pki/ca.crt")
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
write "$state/kubeconfig" admin puck-e2e-admin
write "$state/controller-manager.kubeconfig" controller-manager system:kube-controller-manager
write "$state/scheduler.kubeconfig" scheduler system:kube-scheduler
write "$state/kubelet.kubeconfig" kubelet-client "system:node:$node_name"
write "$state/kube-proxy.kubeconfig" kube-proxy system:kube-proxy
