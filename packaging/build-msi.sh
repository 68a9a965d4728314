#!/bin/sh
# Build the Windows installers with wixl (msitools): OUTDIR/sealgate-VERSION-x64.msi
# from the x64 cross build and OUTDIR/sealgate-VERSION-x86.msi from the x86
# one (packaging/windows/sealgate.wxs; docs/admin/windows.md).
#
#   packaging/build-msi.sh OUTDIR [BUILD-X64 [BUILD-X86]]
#
# The build directories default to build-win64 and build-win32 (as
# tools/test.sh makes them); each must have been built (ninja). An
# architecture whose build directory is missing is skipped with a message.
# The version is meson's project version; $SEALGATE_MSI_VERSION overrides it
# (the upgrade test builds a higher one).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:?usage: build-msi.sh OUTDIR [BUILD-X64 [BUILD-X86]]}
b64=${2:-$root/build-win64}
b32=${3:-$root/build-win32}
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=${SEALGATE_MSI_VERSION:-$(sed -n "s/^ *version : '\([^']*\)'.*/\1/p" "$root/meson.build" | head -1)}
[ -n "$version" ] || { echo "build-msi.sh: no version in meson.build" >&2; exit 1; }
ext_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["browser_specific_settings"]["gecko"]["id"])' \
        "$root/thunderbird-native/extension/manifest.json")

build_one() { # arch build-dir
        arch=$1 bdir=$2
        if [ ! -f "$bdir/thunderbird-native/host/sealgate-host.exe" ] || [ ! -f "$bdir/win32-mapi/sealgate-outlook.dll" ] ||
                [ ! -f "$bdir/cli/win32/sealgate.exe" ]; then
                echo "build-msi.sh: $arch: $bdir has no sealgate-host.exe, sealgate-outlook.dll or sealgate.exe; skipped" >&2
                return 0
        fi
        stage=$(mktemp -d)
        trap 'rm -rf "$stage"' EXIT
        cp "$bdir/thunderbird-native/host/sealgate-host.exe" "$bdir/win32-mapi/sealgate-outlook.dll" \
                "$bdir/cli/win32/sealgate.exe" "$stage/"
        # The manifest's path is relative to its own folder (Windows only).
        python3 - "$stage/sealgate.host.json" "$ext_id" <<'EOF'
import json, sys
json.dump({"name": "sealgate.host",
           "description": "sealgate secure send: policy checks for Thunderbird",
           "path": "sealgate-host.exe", "type": "stdio",
           "allowed_extensions": [sys.argv[2]]}, open(sys.argv[1], "w"), indent=2)
EOF
        python3 "$root/packaging/make-xpi.py" "$root/thunderbird-native/extension" "$stage/sealgate.xpi"
        mkdir -p "$stage/docs" "$stage/admx/en-US" "$stage/admx/ja-JP"
        cp "$root/docs/admin/windows.md" "$root/docs/admin/windows.ja.md" "$root/docs/admin/outlook.md" \
                "$root/docs/admin/policy.md" "$root/docs/admin/audit.md" "$stage/docs/"
        cp "$root/packaging/admx/sealgate.admx" "$stage/admx/"
        cp "$root/packaging/admx/en-US/sealgate.adml" "$stage/admx/en-US/"
        cp "$root/packaging/admx/ja-JP/sealgate.adml" "$stage/admx/ja-JP/"
        msi="$out/sealgate-$version-$arch.msi"
        # wixl takes the files' Source relative to the current folder.
        (cd "$stage" && wixl -a "$arch" -D Version="$version" -D Arch="$arch" -D Stage=. -o "$msi" \
                "$root/packaging/windows/sealgate.wxs")
        # The Condition table wixl cannot write: a property's feature is
        # not installed (level 0) when the property is not given.
        printf 'Feature_\tLevel\tCondition\ns38\ti2\tS255\nCondition\tFeature_\tLevel\nPropDomain\t0\tNOT INTERNALDOMAIN\nPropAction\t0\tNOT EXTERNALACTION\nPropJournal\t0\tNOT EVENTLOG\n' \
                >"$stage/Condition.idt"
        msibuild "$msi" -i "$stage/Condition.idt"
        rm -rf "$stage"
        trap - EXIT
        echo "$msi"
}

build_one x64 "$b64"
build_one x86 "$b32"
