#!/usr/bin/env bash
# The main command (`npm start`): brings up the local cluster (the embedded default) unless told to
# use the current kube context, builds and loads Puck's images, installs Puck in-cluster, creates a
# demo Sprite and prints the next command. Re-running it is harmless.
#   npm start                      the local cluster (needs root)
#   PUCK_TARGET=current npm start  the current kube context, e.g. a k3s cluster
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
say() { printf '\n==> %s\n' "$*"; }

target=${PUCK_TARGET:-local}
case "$target" in
  local)
    [ "$(id -u)" = 0 ] || { echo "error: the local cluster needs root; run as root, or use PUCK_TARGET=current for your own cluster" >&2; exit 1; }
    if [ -f /var/lib/puck-e2e/made-by-tests ]; then
      say "Wiping what an interrupted test run left in the local cluster"
      bash e2e/cluster/wipe.sh --keep-images
    fi
    say "Bringing up the local cluster"
    KUBECONFIG=$(bash e2e/cluster/up.sh | tail -n 1)
    export KUBECONFIG
    kubectl_bin=/var/lib/puck-e2e/bin/kubectl
    load=local
    # Sprite URLs on, at *.sprites.test on this machine's port 80 (docs/developing.md).
    install=e2e/cluster/puck-urls
    ;;
  current)
    kubectl_bin=$(command -v kubectl) || { echo "error: kubectl not found: install it, or run npm start as root for the local cluster" >&2; exit 1; }
    "$kubectl_bin" version >/dev/null 2>&1 || { echo "error: the current kube context does not answer: check 'kubectl config current-context'" >&2; exit 1; }
    load=auto
    # Your cluster: URLs as deploy/ says (off until you set a domain: docs/install.md).
    install=deploy
    ;;
  *) echo "error: PUCK_TARGET must be 'local' or 'current', not '$target'" >&2; exit 2 ;;
esac

say "Building and loading images"
bash images/build.sh --load "$load" sprite agent operator gateway

say "Installing Puck (kubectl apply --server-side -k $install)"
"$kubectl_bin" apply --server-side --force-conflicts -k "$install" >/dev/null
"$kubectl_bin" wait --for=condition=Established --timeout=60s crd/sprites.puck.sandwich.labs >/dev/null
# New images under the same tag: restart so the operator runs what was just built.
"$kubectl_bin" -n puck-system rollout restart deployment/puck-operator >/dev/null
"$kubectl_bin" -n puck-system rollout status deployment/puck-operator --timeout=180s

say "Creating the demo Sprite"
if "$kubectl_bin" get sprite demo >/dev/null 2>&1; then
  echo "Sprite demo already exists."
else
  scripts/puck create demo --image puck-sprite:dev
fi
scripts/puck list

cat <<EOF

Puck is installed. Next:
  export KUBECONFIG=${KUBECONFIG:-~/.kube/config}
  scripts/puck connect demo
EOF
if [ "$install" = e2e/cluster/puck-urls ]; then
  node_ip=$("$kubectl_bin" get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}')
  cat <<EOF
Sprite URLs are http://PORT-NAME.sprites.test/ on this machine's port 80 (Traefik), e.g.
  curl --resolve 8080-demo.sprites.test:80:$node_ip http://8080-demo.sprites.test/
or with a hosts entry: echo "$node_ip 8080-demo.sprites.test" >>/etc/hosts
EOF
fi
