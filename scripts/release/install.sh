#!/bin/sh
# Installs puck @VERSION@, the command line of Puck, as one file: picks the executable for this
# machine (Linux or macOS, amd64 or arm64), checks it against the release's SHA256SUMS and puts it
# in PREFIX/bin (default ~/.local/bin). No Node, no root.
#
#   curl -fsSL URL/install.sh | sh                      the release at URL (the one this script came with)
#   sh install.sh [--prefix DIR] [--from URL|FOLDER]    FOLDER: a release folder on this machine
#
# The release's URL is written here when the release is made (npm run release -- --base-url URL);
# without one, --from names the release, or the folder this script is in is used.
set -eu

version="@VERSION@"
from="@BASE_URL@"
prefix="${PUCK_PREFIX:-$HOME/.local}"

die() { echo "install.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a folder"; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --from) [ $# -ge 2 ] || die "--from needs a URL or a folder"; from=$2; shift 2 ;;
    --from=*) from=${1#--from=}; shift ;;
    -h|--help) sed -n '2,11p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (usage: install.sh [--prefix DIR] [--from URL|FOLDER])" ;;
  esac
done

if [ -z "$from" ]; then
  here=$(cd "$(dirname "$0")" 2>/dev/null && pwd) || here=""
  [ -n "$here" ] && [ -f "$here/SHA256SUMS" ] || die "where is the release? Give --from URL or --from FOLDER"
  from=$here
fi

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) die "no puck executable for $(uname -s): use the npm package (npm install -g puck-sprites) with Node 20 or later" ;;
esac
case "$(uname -m)" in
  x86_64|amd64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) die "no puck executable for $(uname -m): use the npm package (npm install -g puck-sprites) with Node 20 or later" ;;
esac
# A shell under Rosetta on Apple silicon says x86_64: the Mac's own executable is the arm64 one.
if [ "$os-$arch" = darwin-amd64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then arch=arm64; fi
archive="puck-$version-$os-$arch.tar.gz"

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t puck)
trap 'rm -rf "$tmp"' EXIT INT TERM

# fetch NAME: copies the release's file NAME into $tmp.
fetch() {
  case "$from" in
    http://*|https://*)
      url="${from%/}/$1"
      if command -v curl >/dev/null 2>&1; then curl -fsSL -o "$tmp/$1" "$url" || die "could not download $url"
      elif command -v wget >/dev/null 2>&1; then wget -q -O "$tmp/$1" "$url" || die "could not download $url"
      else die "neither curl nor wget is installed"; fi ;;
    *) [ -f "$from/$1" ] || die "no $1 in $from"; cp "$from/$1" "$tmp/$1" ;;
  esac
}

fetch SHA256SUMS
fetch "$archive"

want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/SHA256SUMS")
[ -n "$want" ] || die "SHA256SUMS has no line for $archive"
if command -v sha256sum >/dev/null 2>&1; then got=$(sha256sum "$tmp/$archive" | awk '{ print $1 }')
elif command -v shasum >/dev/null 2>&1; then got=$(shasum -a 256 "$tmp/$archive" | awk '{ print $1 }')
else die "neither sha256sum nor shasum is installed: cannot check the download"; fi
[ "$got" = "$want" ] || die "$archive does not match SHA256SUMS (got $got, want $want): not installed"

tar -xzf "$tmp/$archive" -C "$tmp" puck
mkdir -p "$prefix/bin"
# Beside the target first, then renamed over it: a running puck is never half-written.
cp "$tmp/puck" "$prefix/bin/.puck.new"
chmod 0755 "$prefix/bin/.puck.new"
mv -f "$prefix/bin/.puck.new" "$prefix/bin/puck"

echo "Installed puck $("$prefix/bin/puck" --version) ($os-$arch) as $prefix/bin/puck"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "Add it to your PATH: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
