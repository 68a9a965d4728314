#!/usr/bin/env python3
"""sealgate benchmark: the send in real Thunderbird (issue 24 item 5).

Runs the e2e rig's timing (tests/e2e/test-send.py --only timing: headless
Thunderbird 153, a private Postfix, N allow-path sends per series) and
prints, from the same run:
  - the extension's own time per send, onBeforeSend to the outcome applied
    (the "send steps" the extension logs, background/inputs.js), under a
    policy with a content trigger (the texts gathered) and without one (the
    texts left out: the ordinary message);
  - the whole send with the extension against the floor, the same sends
    with no extension at all (Send -> accepted by Postfix).
Needs root (the rig's Postfix and /etc/thunderbird/policies), like the e2e
suite. Goal: the extension's own time <= 10 ms, median, no content trigger
(docs/performance.md, "The send in Thunderbird").

Usage: bench-tbsend.py HOST EXTENSION-DIR [--sends N] [--out DIR]"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(HERE, "..", "e2e", "test-send.py")
GOAL_MS = 10.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("extension")
    ap.add_argument("--sends", type=int, default=16)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    out = a.out or tempfile.mkdtemp(prefix="sg-bench-tbsend-")
    p = subprocess.run([sys.executable, E2E, a.host, a.extension, "--only", "timing",
                        "--sends", str(a.sends), "--out", out],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode == 77:
        print(p.stdout.strip())
        return 77
    try:
        with open(os.path.join(out, "timing.txt"), encoding="utf-8") as fh:
            text = fh.read()
    except OSError as e:
        print(p.stdout[-4000:])
        print(f"no timing.txt: {e}", file=sys.stderr)
        return 1
    print(f"== the send in Thunderbird ({a.sends} sends per series; load {os.getloadavg()[0]:.1f})")
    steps = {"with": [], "lean": []}
    raw = {}
    for ln in text.splitlines():
        if ln.startswith("raw "):
            key, _, val = ln[4:].partition(" ")
            if key.endswith("/steps"):
                steps[key.split("/")[0]].append(json.loads(val))
            else:
                raw[key] = json.loads(val.split(" ", 1)[1]) if val.startswith("ms ") else json.loads(val)
        else:
            print(ln)
    failed = p.returncode != 0

    def mmm(xs):
        return f"min {min(xs):.1f} median {statistics.median(xs):.1f} max {max(xs):.1f} ms" if xs else "no data"
    for name, label in (("with", "a content trigger (texts gathered)"), ("lean", "no content trigger (texts left out)")):
        totals = [st["total"] for st in steps[name]]
        print(f"extension's own time, {label}: {mmm(totals)}")
    lean = [st["total"] for st in steps["lean"]][1:]  # the first learns the policy
    floor = raw.get("without/accepted", [])
    print(f"floor (no extension), Send -> accepted by Postfix: {mmm(floor)}")
    if lean:
        med = statistics.median(lean)
        print(f"summary: tbsend: extension's own time per ordinary send median {med:.1f} ms "
              f"(goal <= {GOAL_MS:.0f} ms: {'met' if med <= GOAL_MS else 'NOT met'}); "
              f"whole send without the extension median {statistics.median(floor) if floor else float('nan'):.1f} ms")
    else:
        failed = True
    if failed:
        print(p.stdout[-4000:], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
