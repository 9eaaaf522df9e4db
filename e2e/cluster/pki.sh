#!/usr/bin/env bash
# Writes the local cluster's certificates with openssl: a CA, the API server's serving certificate,
# client certificates per component, and the service-account signing key.
# Usage: pki.sh DIR NODE_IP NODE_NAME KUBERNETES_SERVICE_IP
#        pki.sh node DIR CA_DIR NODE_IP NODE_NAME   (an extra node's kubelet certificates, signed by the
#        cluster's CA in CA_DIR)
set -euo pipefail
mode=cluster
if [ "$1" = node ]; then
  mode=node dir=$2 ca=$3/ca node_ip=$4 node_name=$5
else
  dir=$1 node_ip=$2 node_name=$3 service_ip=$4 ca=$1/ca
fi
cd "$dir"

# cert NAME SUBJECT EXT: a key and a CA-signed certificate with the given extensions.
cert() {
  local name=$1 subject=$2 ext=$3
  openssl genrsa -out "$name.key" 2048 2>/dev/null
  openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr" 2>/dev/null
  printf '%s\n' "$ext" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -CAserial "$dir/ca.srl" -days 3650 \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}
# node_certs: the kubelet's serving certificate and its client certificate as system:node:NAME.
node_certs() {
  cert kubelet "/CN=$node_name" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:$node_name,IP:$node_ip,IP:127.0.0.1"
  cert kubelet-client "/O=system:nodes/CN=system:node:$node_name" "$client"
}
client="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
if [ "$mode" = node ]; then
  node_certs
  exit 0
fi
if [ ! -f ca.key ]; then
  openssl genrsa -out ca.key 2048 2>/dev/null
  openssl req -x509 -new -key ca.key -days 3650 -subj "/CN=puck-e2e-ca" -out ca.crt 2>/dev/null
fi
[ -f sa.key ] || { openssl genrsa -out sa.key 2048 2>/dev/null && openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null; }

server_sans="DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,DNS:$node_name,IP:127.0.0.1,IP:$service_ip,IP:$node_ip"

cert apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$server_sans"
node_certs
cert admin "/O=system:masters/CN=puck-e2e-admin" "$client"
cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
cert controller-manager "/CN=system:kube-controller-manager" "$client"
cert scheduler "/CN=system:kube-scheduler" "$client"
cert kube-proxy "/CN=system:kube-proxy" "$client"
