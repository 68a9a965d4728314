#!/usr/bin/env python3
"""Sum meson's testlog.json files into one closing line "N passed, N failed",
preceded by one line per suite that did not pass (its build directory, name,
result and the last lines of its output), so the tail of a CI log says what
failed without the full log."""
import json
import sys

passed = failed = skipped = 0
failures = []
for path in sys.argv[1:]:
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as e:
        print(f"test-summary: {e}", file=sys.stderr)
        failed += 1
        continue
    for line in lines:
        if not line.strip():
            continue
        t = json.loads(line)
        r = t.get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
            build = path.split("/meson-logs/")[0]
            out = (t.get("stdout") or "").splitlines()
            notok = [x for x in out if x.startswith("not ok")][:5]
            failures.append(f"FAILED {build}: {t.get('name')} ({r})" +
                            "".join(f"\n    {x}" for x in (notok or out[-5:])))
for f in failures:
    print(f)
if passed + failed == 0:
    failed = 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
