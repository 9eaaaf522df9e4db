#!/usr/bin/env bash
# Clients the gateway tests drive besides the system's own, kept in the e2e cache and never
# installed over the system's: OpenSSH 10 (Debian's bookworm-backports, which offers the
# post-quantum mlkem768x25519-sha256 first; Debian 12's own ssh 9.2 lacks it) and ssh-audit (PyPI).
# Prints the path of the program asked for on its last line.
#
# Usage: e2e/gateway/clients.sh openssh10|ssh-audit
set -euo pipefail
shopt -s inherit_errexit
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=e2e/cluster/lib.sh
. "$root/e2e/cluster/lib.sh"

cache=$PUCK_CACHE/clients
mkdir -p "$cache"

# openssh10: the backports openssh-client unpacked under the cache; its libraries are bookworm's.
# Its files go under tree/ in its folder, as the package lays them out (tree/usr/bin/ssh).
openssh10() {
  local dir=$cache/openssh10 ssh
  ssh=$dir/tree/usr/bin/ssh
  if [ ! -x "$ssh" ]; then
    log "Fetching openssh-client from bookworm-backports into $dir (beside the system's ssh)"
    rm -rf "$dir.partial"
    mkdir -p "$dir.partial/lists/partial" "$dir.partial/cache/archives/partial"
    # Only backports, through an apt configuration of its own: the system's sources stay as they are.
    local mirror
    mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
    echo "deb ${mirror:-http://deb.debian.org/debian} bookworm-backports main" >"$dir.partial/sources.list"
    local apt=(-o "Dir::Etc::SourceList=$dir.partial/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$dir.partial/lists" -o "Dir::Cache=$dir.partial/cache" -o Dir::State::Status=/dev/null
      -o Acquire::Check-Valid-Until=false -o APT::Sandbox::User=root)
    apt-get -qq "${apt[@]}" update >&2
    (cd "$dir.partial" && apt-get -qq "${apt[@]}" download openssh-client >&2)
    dpkg -x "$dir.partial"/openssh-client_*.deb "$dir.partial/tree"
    rm -rf "$dir.partial/lists" "$dir.partial/cache" "$dir.partial"/*.deb
    rm -rf "$dir"
    mv "$dir.partial" "$dir"
  fi
  if ldd "$ssh" | grep -q 'not found'; then
    die "$ssh lacks libraries on this system: $(ldd "$ssh" | grep 'not found' | tr -s ' \n' ' ')"
  fi
  "$ssh" -Q kex | grep -qx mlkem768x25519-sha256 || die "$ssh does not offer mlkem768x25519-sha256"
  echo "$ssh"
}

# ssh-audit: from PyPI into a virtual environment under the cache.
ssh_audit() {
  local venv=$cache/ssh-audit
  if [ ! -x "$venv/bin/ssh-audit" ]; then
    log "Installing ssh-audit from PyPI into $venv"
    command -v python3 >/dev/null && python3 -c 'import ensurepip, venv' 2>/dev/null || ensure_packages python3 python3-venv
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check ssh-audit >&2
  fi
  echo "$venv/bin/ssh-audit"
}

case "${1:-}" in
  openssh10) openssh10 ;;
  ssh-audit) ssh_audit ;;
  *) die "usage: e2e/gateway/clients.sh openssh10|ssh-audit" ;;
esac
