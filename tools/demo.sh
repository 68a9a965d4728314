#!/bin/sh
# The README's main command: install what is needed, build, run the sealgate
# command on the bundled demo policy and demo messages, then start the
# Thunderbird demo (tools/demo-thunderbird.py: a throwaway profile with the
# extension, a private Postfix gateway with portal/internet sinks, a visible
# Thunderbird with a compose window open); it cleans up when Thunderbird exits
# or on Ctrl-C.
#
#   tools/demo.sh [--no-thunderbird] [--self-test] [--keep] [--lang ja|en]
#
#   --no-thunderbird  only the policy-check part
#   --self-test       send one external message through Thunderbird, check the
#                     portal sink got it, clean up and exit (0 = passed)
#   --keep            keep the Thunderbird demo's temporary directory
#   --lang ja|en      Thunderbird's UI language (ja: Japanese Thunderbird, with
#                     the language pack thunderbird-l10n-ja installed first)
# Without a display (DISPLAY unset) the Thunderbird part is skipped and the
# command to run it later is printed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

usage() {
        sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
}

thunderbird=1
tb_args=""
while [ $# -gt 0 ]; do
        case "$1" in
        --no-thunderbird) thunderbird=0 ;;
        --self-test | --keep) tb_args="$tb_args $1" ;;
        --lang)
                case "$2" in
                ja | en) tb_args="$tb_args --lang $2" ;;
                *)
                        echo "demo: --lang takes ja or en" >&2
                        exit 2
                        ;;
                esac
                shift
                ;;
        -h | --help)
                usage
                exit 0
                ;;
        *)
                echo "demo: unknown argument $1" >&2
                usage >&2
                exit 2
                ;;
        esac
        shift
done

tools/install-deps.sh build
case "$tb_args" in
*"--lang ja"*) tools/install-deps.sh e2e ;; # the Thunderbird language pack
esac
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
echo "== sealgate policy-check with examples/demo-policy.json =="
build/cli/sealgate policy-validate examples/demo-policy.json
# Exit status 1 only means a demo message could not be evaluated; show it all.
rc=0
build/cli/sealgate policy-check --policy examples/demo-policy.json examples/messages/*.eml || rc=$?

[ "$thunderbird" = 1 ] || exit "$rc"

echo
if [ -z "${DISPLAY:-}" ]; then
        echo "== Thunderbird demo: skipped, no display (DISPLAY is unset) =="
        echo "Run it later from a graphical session (it needs root for its private Postfix):"
        echo "  $top/tools/demo.sh"
        echo "or only the Thunderbird part:"
        echo "  sudo --preserve-env=DISPLAY,XAUTHORITY python3 $top/tools/demo-thunderbird.py"
        exit 0
fi

tools/install-deps.sh e2e
echo "== Thunderbird demo =="
# Thunderbird gets its own HOME: tell it where the X authority file is.
if [ -z "${XAUTHORITY:-}" ] && [ -f "$HOME/.Xauthority" ]; then
        XAUTHORITY=$HOME/.Xauthority
        export XAUTHORITY
fi
if [ "$(id -u)" -eq 0 ]; then
        # shellcheck disable=SC2086
        exec python3 tools/demo-thunderbird.py --no-build $tb_args
fi
command -v sudo >/dev/null || {
        echo "demo: the Thunderbird demo starts a private Postfix and needs root or sudo" >&2
        exit 1
}
# shellcheck disable=SC2086
exec sudo --preserve-env=DISPLAY,XAUTHORITY,WAYLAND_DISPLAY,XDG_RUNTIME_DIR python3 tools/demo-thunderbird.py --no-build $tb_args
