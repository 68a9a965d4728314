#!/bin/sh
# Run every libFuzzer target for a while (default 60 s each) with clang,
# ASan and UBSan, growing a scratch corpus from the committed one. Crashes are
# written to build-fuzz/crashes/; copy a minimised one into
# tests/fuzz/corpus/<target>/ with the fix so the replay test keeps it fixed.
set -eu
secs=${1:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ ! -f build-fuzz/build.ninja ]; then
        CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined -Dc_args=-fsanitize=fuzzer-no-link \
                -Db_lundef=false -Dbench=false -Dprompt=false
fi
ninja -C build-fuzz
mkdir -p build-fuzz/crashes
for t in addr frame policy-json message-json outcome eml host-request; do
        mkdir -p "build-fuzz/corpus/$t"
        cp -n tests/fuzz/corpus/$t/* "build-fuzz/corpus/$t/" 2>/dev/null || true
        echo "== fuzz-$t for ${secs}s =="
        build-fuzz/tests/fuzz/fuzz-$t -max_total_time="$secs" -max_len=65536 \
                -artifact_prefix=build-fuzz/crashes/$t- "build-fuzz/corpus/$t"
done
