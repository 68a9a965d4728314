#!/bin/sh
# sealgate: development install for the current user. Builds the tree, writes the
# native-messaging manifest ~/.mozilla/native-messaging-hosts/sealgate.host.json
# (HOME respected) pointing at the built host, and packs the extension as
# BUILD-DIR/sealgate.xpi.
#
#   tools/dev-install.sh [--no-build] [BUILD-DIR]   install (BUILD-DIR default: build)
#   tools/dev-install.sh --uninstall                 remove the manifest
set -eu

NAME=sealgate.host
EXT_ID=sealgate@sealgate.example
SRC=$(cd "$(dirname "$0")/.." && pwd)
MANIFEST_DIR="$HOME/.mozilla/native-messaging-hosts"
MANIFEST="$MANIFEST_DIR/$NAME.json"

usage() {
        sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
}

build=1
uninstall=0
builddir=
while [ $# -gt 0 ]; do
        case "$1" in
        --uninstall) uninstall=1 ;;
        --no-build) build=0 ;;
        -h | --help)
                usage
                exit 0
                ;;
        -*)
                echo "dev-install: unknown option $1" >&2
                usage >&2
                exit 2
                ;;
        *) builddir=$1 ;;
        esac
        shift
done

if [ "$uninstall" = 1 ]; then
        if [ -e "$MANIFEST" ]; then
                rm -f "$MANIFEST"
                echo "removed $MANIFEST"
        else
                echo "nothing to remove: $MANIFEST does not exist"
        fi
        exit 0
fi

builddir=${builddir:-$SRC/build}
case "$builddir" in
/*) ;;
*) builddir=$(pwd)/$builddir ;;
esac

if [ "$build" = 1 ]; then
        if [ ! -f "$builddir/build.ninja" ]; then
                echo "configuring $builddir"
                meson setup "$builddir" "$SRC"
        fi
        echo "building in $builddir"
        ninja -C "$builddir"
fi

HOST="$builddir/thunderbird-native/host/sealgate-host"
if [ ! -x "$HOST" ]; then
        echo "dev-install: $HOST is missing or not executable (build first, or drop --no-build)" >&2
        exit 1
fi
HOST=$(cd "$(dirname "$HOST")" && pwd -P)/sealgate-host

# The host starts the prompt found next to itself (docs/protocol.md,
# prompt.show); in the build tree it lives in gtk-prompt/, and finds its
# catalogs in gtk-prompt/po by itself.
PROMPT="$builddir/gtk-prompt/sealgate-prompt"
if [ -x "$PROMPT" ]; then
        ln -sfn "$(cd "$(dirname "$PROMPT")" && pwd -P)/sealgate-prompt" "$(dirname "$HOST")/sealgate-prompt"
        echo "linked $(dirname "$HOST")/sealgate-prompt -> $PROMPT"
else
        echo "note: $PROMPT is not built (-Dprompt=false?): prompts will take the policy's fallback choice"
fi

mkdir -p "$MANIFEST_DIR"
python3 - "$MANIFEST" "$HOST" "$NAME" "$EXT_ID" <<'EOF'
import json, os, sys
path, host, name, ext_id = sys.argv[1:5]
manifest = {
    "name": name,
    "description": "sealgate secure-send helper",
    "path": host,
    "type": "stdio",
    "allowed_extensions": [ext_id],
}
tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump(manifest, f, indent=2)
    f.write("\n")
os.replace(tmp, path)
EOF
echo "wrote $MANIFEST (path $HOST, allowed_extensions [\"$EXT_ID\"])"

XPI="$builddir/sealgate.xpi"
python3 - "$SRC/thunderbird-native/extension" "$XPI" <<'EOF'
import os, sys, zipfile
src, xpi = sys.argv[1:3]
tmp = xpi + ".tmp"
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for f in sorted(files):
            if f == "README.md" or f.startswith("."):
                continue
            full = os.path.join(root, f)
            z.write(full, os.path.relpath(full, src))
os.replace(tmp, xpi)
EOF
echo "built $XPI from thunderbird-native/extension/"
echo "install it in Thunderbird: Add-ons Manager > gear menu > Install Add-on From File, or load"
echo "$SRC/thunderbird-native/extension/manifest.json as a temporary add-on (about:debugging)"
if [ -z "${SEALGATE_POLICY:-}" ] && [ ! -e /etc/sealgate/policy.json ]; then
        echo "note: no policy at /etc/sealgate/policy.json; the helper will refuse to decide (policy_unreadable)"
        echo "      until one exists, e.g. sudo install -D -m 644 examples/demo-policy.json /etc/sealgate/policy.json"
fi
