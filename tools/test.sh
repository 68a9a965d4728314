#!/bin/sh
# The README's test command (also what .ci/run calls): install what is needed,
# build, run every suite (e2e drives real Thunderbird and Postfix; gui the real
# prompt window under Xvfb; interop the OpenSSL, gpgsm and NSS tools), the
# Windows build's suite under Wine, then rebuild with AddressSanitizer and
# UndefinedBehaviorSanitizer and run the unit, host, cli, gui and interop
# suites again.
# Ends with one line "N passed, N failed".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/install-deps.sh test

jobs=$(nproc 2>/dev/null || echo 2)
status=0
logs=""

run_suites() { # builddir suites...
        dir=$1
        shift
        args=""
        for s in "$@"; do args="$args --suite $s"; done
        # shellcheck disable=SC2086
        meson test -C "$dir" --num-processes "$jobs" --print-errorlogs $args || status=1
        logs="$logs $dir/meson-logs/testlog.json"
}

echo "== build (debugoptimized) =="
[ -f build/build.ninja ] || meson setup build
ninja -C build
run_suites build unit host cli gui interop bench e2e
# the Debian packages: build, lintian, install, upgrade, e2e, purge (tests/packaging)
run_suites build packaging

echo "== Windows cross build (mingw-w64; tests under Wine) =="
[ -f build-win64/build.ninja ] || meson setup build-win64 --cross-file win32-mapi/cross/x86_64-w64-mingw32.ini
ninja -C build-win64
run_suites build-win64 win32
# 32-bit Office: the same add-in for i686; only the DLL and ADMX checks run
# (Debian's Wine here is 64-bit only).
[ -f build-win32/build.ninja ] || meson setup build-win32 --cross-file win32-mapi/cross/i686-w64-mingw32.ini
ninja -C build-win32
run_suites build-win32 win32

echo "== build with -Db_sanitize=address,undefined =="
[ -f build-asan/build.ninja ] || meson setup build-asan -Db_sanitize=address,undefined -Dbench=false
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:print_suppressions=0 \
        run_suites build-asan unit host cli gui interop

# shellcheck disable=SC2086
python3 tools/test-summary.py $logs || status=1
exit $status
