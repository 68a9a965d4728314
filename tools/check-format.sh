#!/bin/sh
# Fails if any tracked C file differs from .clang-format's style. Prints TAP.
# Skips (exit 77) when clang-format is not installed.
set -u
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top"
command -v clang-format >/dev/null || { echo "1..0 # SKIP clang-format not installed"; exit 77; }
n=0
bad=0
for f in $(git ls-files '*.c' '*.h' 2>/dev/null || find core cli thunderbird-native tests -name '*.[ch]'); do
        n=$((n + 1))
        if clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
                echo "ok $n - $f"
        else
                echo "not ok $n - $f (run: clang-format -i $f)"
                bad=$((bad + 1))
        fi
done
echo "1..$n"
[ "$bad" -eq 0 ]
