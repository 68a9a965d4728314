#!/bin/sh
# Create (once per build directory) the Wine prefix the win32 tests share, so
# no test pays for wineboot. Runs first and alone (priority, is_parallel).
# Prints TAP.
set -u
: "${WINEPREFIX:?WINEPREFIX must be set}"
wine=${WINE:-wine}
if [ ! -f "$WINEPREFIX/system.reg" ]; then
        mkdir -p "$WINEPREFIX"
        # No Mono or Gecko installer: the tests need neither.
        WINEDLLOVERRIDES="mscoree,mshtml=" "$wine" wineboot -i >/dev/null 2>&1
        "${WINESERVER:-wineserver}" -w
fi
if [ -f "$WINEPREFIX/system.reg" ]; then
        echo "ok 1 - Wine prefix ready in $WINEPREFIX"
        echo "1..1"
        exit 0
fi
echo "not ok 1 - Wine prefix ready in $WINEPREFIX (wineboot failed)"
echo "1..1"
exit 1
