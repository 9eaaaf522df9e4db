#!/usr/bin/env bash
# Builds the local cluster's binaries (Kubernetes, kine, etcd, Rancher's local-path provisioner, CoreDNS,
# our ServiceLB; `build.sh traefik`: Traefik; `build.sh netpol`: the NetworkPolicy enforcer;
# `build.sh kube-score`: kube-score, for the tests)
# with Go from their official modules into a cache outside the repo, keyed by the inputs that made
# them, so only the first run on a machine pays for the build. Prints the directory holding them.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=e2e/cluster/lib.sh
. "$here/lib.sh"

command -v go >/dev/null || die "Go is needed to build the cluster's Kubernetes binaries: install Go 1.26 or newer"

# build.sh traefik | netpol | kube-score: a program built from a module of its own, into a cache of
# its own, so that no build invalidates another: the ingress controller, k3s's Traefik (traefik/go.mod
# pins the version), the NetworkPolicy enforcer, k3s's kube-router policy controller (netpol/, our own
# main around it), or kube-score, a checker the tests run.
case "${1-}" in
  traefik) module=github.com/traefik/traefik/v3 pkg=github.com/traefik/traefik/v3/cmd/traefik
    version_flag="-X github.com/traefik/traefik/v3/pkg/version.Version=" ;;
  netpol) module=github.com/cloudnativelabs/kube-router/v2 pkg=. version_flag="" ;;
  kube-score) module=github.com/zegl/kube-score pkg=github.com/zegl/kube-score/cmd/kube-score version_flag="" ;;
  "") module="" ;;
  *) die "usage: build.sh [traefik|netpol|kube-score]" ;;
esac
if [ -n "$module" ]; then
  addon=$1
  version=$(awk -v m="$module" '{ for (i = 1; i < NF; i++) if ($i == m) { print $(i + 1); exit } }' "$here/$addon/go.mod")
  [ -n "$version" ] || die "$addon/go.mod requires no $module"
  key=$( { cat "$here/$addon/go.mod" "$here/$addon/go.sum"; find "$here/$addon" -name '*.go' -print0 | sort -z | xargs -0 -r cat; go env GOVERSION; } | sha256sum | cut -c1-16)
  out="$PUCK_CACHE/bin/$addon-$version-$key"
  if [ -x "$out/$addon" ]; then
    echo "$out"
    exit 0
  fi
  log "Building $addon $version with $(go env GOVERSION) (first run on this machine: a few minutes)"
  tmp="$PUCK_CACHE/partial/$(basename "$out")"
  rm -rf "$tmp" && mkdir -p "$tmp"
  cd "$here/$addon"
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -v -trimpath -buildvcs=false \
    -ldflags "-s -w${version_flag:+ $version_flag$version}" -o "$tmp/$addon" "$pkg" 2>&1 | progress_dots
  [ -x "$tmp/$addon" ] || die "the $addon build made no binary"
  mkdir -p "$(dirname "$out")"
  rm -rf "$out" && mv "$tmp" "$out"
  log "Built $addon into $out"
  echo "$out"
  exit 0
fi
k8s_version=$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$here/kube/go.mod")
lpp_version=$(awk '$1 == "github.com/rancher/local-path-provisioner" { print $2; exit }' "$here/kube/go.mod")
go_version=$(go env GOVERSION)
# The key covers everything that changes the binaries: both modules' files, our own Go sources, Go.
key=$( { cat "$here/kube/go.mod" "$here/kube/go.sum" "$here/coredns/go.mod" "$here/coredns/go.sum" "$here/kine/go.mod" "$here/kine/go.sum"
         find "$here/kube" "$here/coredns" "$here/kine" -name '*.go' -print0 | sort -z | xargs -0 cat; echo "$go_version"; } | sha256sum | cut -c1-16)
out="$PUCK_CACHE/bin/$k8s_version-$key"
binaries=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl kine etcd local-path-provisioner pause servicelb coredns)

complete=1
for b in "${binaries[@]}"; do [ -x "$out/$b" ] || complete=0; done
if [ "$complete" = 1 ]; then
  echo "$out"
  exit 0
fi

log "Building Kubernetes $k8s_version, kine, etcd, the local-path provisioner and CoreDNS with $go_version (first run on this machine: about 10-20 minutes)"
# Built aside, outside bin/: stop_cluster kills whatever runs with a path under bin/ on its command
# line, which would include this build's own `go build -o`.
tmp="$PUCK_CACHE/partial/$(basename "$out")"
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
  ./pause ./servicelb 2>&1 | progress_dots
mv "$tmp/server" "$tmp/etcd"
# Same module, its own build: it imports logrus by the old path github.com/Sirupsen/logrus, which
# one build together with Kubernetes's github.com/sirupsen/logrus refuses as a case collision.
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -v -trimpath -buildvcs=false -ldflags "-s -w -X main.VERSION=$lpp_version" \
  -o "$tmp/" github.com/rancher/local-path-provisioner 2>&1 | progress_dots
# CoreDNS needs newer Kubernetes client libraries than the pinned Kubernetes: its own module.
cd "$here/coredns"
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -v -trimpath -buildvcs=false -ldflags "-s -w" -o "$tmp/coredns" . 2>&1 | progress_dots
# kine with SQLite through cgo, as k3s builds it: its own module, for the same reason as CoreDNS.
cd "$here/kine"
CGO_ENABLED=1 GOFLAGS=-mod=mod go build -v -trimpath -buildvcs=false -ldflags "-s -w" -o "$tmp/kine" github.com/k3s-io/kine 2>&1 | progress_dots
# bin/ itself may not exist yet: on a new machine the cache starts empty.
mkdir -p "$(dirname "$out")"
rm -rf "$out" && mv "$tmp" "$out"
log "Built binaries into $out"
echo "$out"
