#!/bin/sh
# The README's test command (also what .ci/run calls): install what is needed,
# build, run every suite (e2e drives real Thunderbird and Postfix; gui the real
# prompt window under Xvfb; a11y its accessibility tree through AT-SPI;
# interop the OpenSSL, gpgsm and NSS tools; corpus real mail from ../shared/corpus against the same peers, skipped without it), the
# Windows build's suite under Wine, then rebuild with AddressSanitizer and
# UndefinedBehaviorSanitizer and run the unit, host, cli, gui, interop and
# corpus suites again; last a release build (with the hardening checks) and a Clang
# build of the whole tree, each with the unit suite. Every build here has
# werror on (the project's default leaves it off, for packagers).
# Ends with one line "N passed, N failed".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/install-deps.sh test

jobs=$(nproc 2>/dev/null || echo 2)
status=0
logs=""

setup() { # builddir [meson setup options...]: configure once, always with werror
        dir=$1
        shift
        if [ -f "$dir/build.ninja" ]; then
                meson configure "$dir" -Dwerror=true
        else
                meson setup "$dir" --werror "$@"
        fi
}

run_suites() { # builddir suites...
        dir=$1
        shift
        args=""
        for s in "$@"; do args="$args --suite $s"; done
        # one log per run, so a second run in the same build directory does not
        # overwrite the first one's results before the summary reads them
        base="testlog-$(echo "$*" | tr ' ' '-')"
        # shellcheck disable=SC2086
        meson test -C "$dir" --num-processes "$jobs" --print-errorlogs --logbase "$base" $args || status=1
        logs="$logs $dir/meson-logs/$base.json"
}

echo "== build (debugoptimized) =="
setup build
ninja -C build
run_suites build unit host cli gui a11y interop privacy corpus bench e2e
# the Debian packages: build, lintian, install, upgrade, e2e, purge (tests/packaging)
run_suites build packaging

echo "== Windows cross build (mingw-w64; tests under Wine) =="
setup build-win64 --cross-file win32-mapi/cross/x86_64-w64-mingw32.ini
ninja -C build-win64
run_suites build-win64 win32
# 32-bit Office: the same add-in for i686; only the DLL and ADMX checks run
# (Debian's Wine here is 64-bit only).
setup build-win32 --cross-file win32-mapi/cross/i686-w64-mingw32.ini
ninja -C build-win32
run_suites build-win32 win32

echo "== build with -Db_sanitize=address,undefined =="
setup build-asan -Db_sanitize=address,undefined -Dbench=false
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:print_suppressions=0 \
        run_suites build-asan unit host cli gui interop corpus

# What a packager builds: release (-O3), the hardening flags checked on the
# binaries (suite 'hardening': hardening-check, tests/build/).
echo "== release build =="
setup build-release --buildtype=release -Dbench=false
ninja -C build-release
run_suites build-release unit hardening

# The other compiler: Clang warns about other things than GCC.
echo "== Clang build =="
(CC=clang && export CC && setup build-clang -Dbench=false)
ninja -C build-clang
run_suites build-clang unit

# shellcheck disable=SC2086
python3 tools/test-summary.py $logs || status=1
exit $status
