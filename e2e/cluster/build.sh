#!/usr/bin/env bash
# Builds the local cluster's binaries (Kubernetes, etcd, the local-path provisioner) with Go from
# their official modules into a cache outside the repo, keyed by the inputs that made them, so only
# the first run on a machine pays for the build. Prints the directory holding the binaries.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=e2e/cluster/lib.sh
. "$here/lib.sh"

command -v go >/dev/null || die "Go is needed to build the cluster's Kubernetes binaries: install Go 1.24 or newer"
k8s_version=$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$here/kube/go.mod")
go_version=$(go env GOVERSION)
# The key covers everything that changes the binaries: the module files, our own Go sources, Go.
key=$( { cat "$here/kube/go.mod" "$here/kube/go.sum"; find "$here/kube" -name '*.go' -print0 | sort -z | xargs -0 cat; echo "$go_version"; } | sha256sum | cut -c1-16)
out="$PUCK_CACHE/bin/$k8s_version-$key"
binaries=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl etcd local-path-provisioner pause)

complete=1
for b in "${binaries[@]}"; do [ -x "$out/$b" ] || complete=0; done
if [ "$complete" = 1 ]; then
  echo "$out"
  exit 0
fi

log "Building Kubernetes $k8s_version, etcd and the local-path provisioner with $go_version (first run on this machine: about 5-15 minutes)"
tmp="$out.partial"
rm -rf "$tmp" && mkdir -p "$tmp"
major=${k8s_version#v}; minor=${major#*.}; minor=${minor%%.*}; major=${major%%.*}
ldflags="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
cd "$here/kube"
# -v names each package as it compiles: the progress a first, long build prints.
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -v -trimpath -buildvcs=false -ldflags "$ldflags" -o "$tmp/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubelet \
  k8s.io/kubernetes/cmd/kube-proxy \
  k8s.io/kubernetes/cmd/kubectl \
  go.etcd.io/etcd/server/v3 \
  ./local-path-provisioner \
  ./pause 2>&1 | progress_dots
mv "$tmp/server" "$tmp/etcd"
rm -rf "$out" && mv "$tmp" "$out"
log "Built binaries into $out"
echo "$out"
