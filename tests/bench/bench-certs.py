#!/usr/bin/env python3
"""`sealgate certs import` of a PKCS#12 file against `pk12util -i` in the same
run: each imports into its own fresh NSS database (certutil -N), in
alternating order, N rounds; the median wall time of each and the ratio
(goal: sealgate at most 1.2 x pk12util). With --quick: 2 rounds, checks
only that both imported the key (certutil -K), never timings.
Usage: bench-certs.py [--quick] SEALGATE P12 PASSWORD. Prints TAP when quick."""
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

quick = "--quick" in sys.argv
args = [a for a in sys.argv[1:] if a != "--quick"]
SEALGATE, P12, PASSWORD = args
ROUNDS = 2 if quick else 30
tmp = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-bench-certs-"))
pw = tmp / "pw"
pw.write_text(PASSWORD + "\n")


def fresh(i, who):
    d = tmp / f"{who}{i}"
    d.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{d}", "--empty-password"], check=True, capture_output=True)
    return d


def timed(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True)
    return time.perf_counter() - t, p.returncode


def has_key(d):
    p = subprocess.run(["certutil", "-K", "-d", f"sql:{d}"], capture_output=True, text=True)
    return "<" in p.stdout


ours, theirs, okays = [], [], []
for i in range(ROUNDS):
    a, b = fresh(i, "sg"), fresh(i, "pk")
    runs = [("sg", a, [SEALGATE, "certs", "import", P12, "--profile", str(a), "--password-file", str(pw)]),
            ("pk", b, ["pk12util", "-i", P12, "-d", f"sql:{b}", "-w", str(pw)])]
    if i % 2:
        runs.reverse()
    for who, d, cmd in runs:
        t, rc = timed(cmd)
        (ours if who == "sg" else theirs).append(t)
        okays.append(rc == 0 and has_key(d))
shutil.rmtree(tmp, ignore_errors=True)
if quick:
    print(f"ok 1 - both imported the key in every round" if all(okays) else "not ok 1 - an import failed")
    print("1..1")
    sys.exit(0 if all(okays) else 1)
m1, m2 = statistics.median(ours), statistics.median(theirs)
print(f"rounds {ROUNDS}: sealgate certs import median {m1 * 1000:.1f} ms, pk12util -i median {m2 * 1000:.1f} ms,"
      f" ratio {m1 / m2:.2f} (goal <= 1.2); all imported: {all(okays)}")
sys.exit(0 if all(okays) else 1)
