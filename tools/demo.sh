#!/bin/sh
# The README's main command: install what is needed, build, and run the
# sealgate command on the bundled demo policy and demo messages.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/install-deps.sh build
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
echo "== sealgate policy-check with examples/demo-policy.json =="
build/cli/sealgate policy-validate examples/demo-policy.json
# Exit status 1 only means a demo message could not be evaluated; show it all.
build/cli/sealgate policy-check --policy examples/demo-policy.json examples/messages/*.eml
