#!/bin/sh
# sealgate: build the Debian packages (sealgate, webext-sealgate,
# sealgate-thunderbird-policy) with dpkg-buildpackage from packaging/debian/,
# in a copy of the source tree (the tree itself is never written to), and put
# the .deb files, the .changes and the .buildinfo into OUTDIR.
#
#   packaging/build-deb.sh [--version VERSION] OUTDIR
#
# The package version is meson.build's project version; debian/changelog must
# name it (the build stops otherwise). --version builds the same tree under
# another version (a changelog entry is added in the copy): the upgrade test
# builds a "previous" package that way. Installs the build dependencies it
# lacks with apt-get (root, or sudo).
set -eu

usage() {
        sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
}

version=
outdir=
while [ $# -gt 0 ]; do
        case "$1" in
        --version)
                [ $# -ge 2 ] || { usage >&2; exit 2; }
                version=$2
                shift
                ;;
        -h | --help)
                usage
                exit 0
                ;;
        -*)
                echo "build-deb: unknown option $1" >&2
                usage >&2
                exit 2
                ;;
        *)
                [ -z "$outdir" ] || { usage >&2; exit 2; }
                outdir=$1
                ;;
        esac
        shift
done
[ -n "$outdir" ] || { usage >&2; exit 2; }

src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "build-deb: need root or sudo to install build dependencies" >&2; exit 1; }
        sudo=sudo
fi
apt_install() {
        echo "build-deb: installing: $*" >&2
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
                { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
}

# The Debian tools, then the Build-Depends dpkg-checkbuilddeps reports unmet.
tools=""
for p in dpkg-dev debhelper lintian help2man python3; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || tools="$tools $p"
done
# shellcheck disable=SC2086
[ -z "$tools" ] || apt_install $tools
unmet=$(dpkg-checkbuilddeps "$src/packaging/debian/control" 2>&1 |
        sed -n 's/.*Unmet build dependencies: //p' | sed 's/([^)]*)//g; s/:native//g; s/|[^ ]*//g')
# shellcheck disable=SC2086
[ -z "$unmet" ] || apt_install $unmet

upstream=$(sed -n "s/^[[:space:]]*version[[:space:]]*:[[:space:]]*'\([^']*\)'.*/\1/p" "$src/meson.build" | head -n 1)
changelog=$(dpkg-parsechangelog -l "$src/packaging/debian/changelog" -S Version)
if [ "$upstream" != "$changelog" ]; then
        echo "build-deb: meson.build says version $upstream but packaging/debian/changelog's" >&2
        echo "           latest entry is $changelog: add a changelog entry for $upstream" >&2
        exit 1
fi
version=${version:-$upstream}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sealgate-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tree="$tmp/sealgate-$version"
mkdir "$tree"
# The tracked and the new (not ignored) files: what a clean checkout of this
# working tree holds, without build directories.
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        (cd "$src" && git ls-files -z --cached --others --exclude-standard) |
                (cd "$src" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
                (cd "$src" && cpio -0 -pdm --quiet "$tree")
else
        (cd "$src" && tar --exclude='./build*' --exclude='./.git' -cf - .) | (cd "$tree" && tar -xf -)
fi
cp -a "$src/packaging/debian" "$tree/debian"
if [ "$version" != "$upstream" ]; then
        {
                printf 'sealgate (%s) unstable; urgency=medium\n\n' "$version"
                printf '  * Built by packaging/build-deb.sh --version %s from %s.\n\n' "$version" "$upstream"
                printf ' -- sealgate maintainers <maintainers@sealgate.example>  %s\n\n' "$(date -R)"
                cat "$src/packaging/debian/changelog"
        } >"$tree/debian/changelog"
fi

jobs=$(nproc 2>/dev/null || echo 1)
echo "build-deb: building sealgate $version in $tree" >&2
(cd "$tree" && DEB_BUILD_OPTIONS="nocheck parallel=$jobs ${DEB_BUILD_OPTIONS:-}" \
        dpkg-buildpackage -b -us -uc --no-sign >"$tmp/build.log" 2>&1) || {
        tail -n 30 "$tmp/build.log" | cut -c1-300 >&2
        echo "build-deb: dpkg-buildpackage failed (log above)" >&2
        exit 1
}
cp "$tmp"/*.deb "$tmp"/*.changes "$tmp"/*.buildinfo "$outdir"/
cp "$tmp/build.log" "$outdir/build-$version.log"
ls -1 "$outdir"/*_"$version"_*.deb "$outdir"/*_"$version"_*.changes
