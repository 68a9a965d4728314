#!/bin/sh
# sealgate benchmarks: build a release tree in build-bench, run the three benchmarks, print the machine and a summary.
# Usage: tests/bench/run.sh [BUILD-DIR]   (default: build-bench at the top of the source tree)
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-bench}

buildtype() {
        meson introspect --buildoptions "$1" |
                python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))'
}

if [ -f "$build/build.ninja" ]; then
        # Benchmarks are only meaningful on a release build; fix an existing tree up.
        if [ "$(buildtype "$build")" != release ]; then
                meson configure "$build" -Dbuildtype=release -Dbench=true -Dstatic_host_deps=true
        fi
else
        meson setup "$build" "$root" -Dbuildtype=release -Dbench=true -Dstatic_host_deps=true
fi
ninja -C "$build" tests/bench/bench-eval tests/bench/bench-host tests/bench/echo-host \
        thunderbird-native/host/sealgate-host-crypto.so \
        thunderbird-native/host/sealgate-host

out=$(mktemp)
part=$(mktemp)
trap 'rm -f "$out" "$part"' EXIT

# Run one benchmark, show its output, keep it for the summary; its status is returned.
run_bench() {
        status=0
        "$@" >"$part" || status=$?
        cat "$part"
        cat "$part" >>"$out"
        echo
        return "$status"
}

echo "== sealgate benchmarks"
echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:  $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
        "$(awk '/^MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
echo "kernel:   $(uname -srm)"
echo "compiler: $(${CC:-cc} --version | head -n 1)"
echo "build:    $build, $(buildtype "$build")"
echo

failed=0
run_bench "$build/tests/bench/bench-host" --policy "$root/tests/bench/data/policy.json" \
        "$build/thunderbird-native/host/sealgate-host" "$build/tests/bench/echo-host" || failed=1
run_bench "$build/tests/bench/bench-eval" || failed=1

echo "== summary"
sed -n 's/^summary: //p' "$out"
if [ "$failed" -ne 0 ]; then
        echo "FAILED: a benchmark reported wrong answers or could not run (see above)" >&2
        exit 1
fi
