#!/bin/sh
# Install what sealgate needs to build and test, from Debian 12 packages.
# Usage: tools/install-deps.sh [build|test]   (default: test, a superset)
set -eu
what=${1:-test}

pkgs="meson ninja-build pkg-config gcc libc6-dev python3
      libjson-c-dev libgmime-3.0-dev libglib2.0-dev libidn2-dev libpcre2-dev"
if [ "$what" = test ]; then
        pkgs="$pkgs clang-format"
fi

missing=""
for p in $pkgs; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "install-deps: need root or sudo for:$missing" >&2; exit 1; }
        sudo=sudo
fi
echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
