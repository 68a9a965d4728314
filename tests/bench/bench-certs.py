#!/usr/bin/env python3
"""`sealgate certs import` of a PKCS#12 file against `pk12util -i` in the same
run: each imports into its own fresh NSS database (certutil -N), in
alternating order, N rounds; for each the median and the minimum wall time,
the median CPU time (user + system) and minor page faults of the process
(wait4), and the ratios of the medians and of the minimums (goal: sealgate
at most 1.2 x pk12util); the load average before and after. With --quick:
2 rounds, checks only that both imported the key (certutil -K), never
timings. Usage: bench-certs.py [--quick] [--rounds N] SEALGATE P12 PASSWORD.
Prints TAP when quick."""
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

quick = "--quick" in sys.argv
args = [a for a in sys.argv[1:] if a != "--quick"]
ROUNDS = 2 if quick else 30
if "--rounds" in args:
    i = args.index("--rounds")
    ROUNDS = int(args[i + 1])
    del args[i:i + 2]
SEALGATE, P12, PASSWORD = args
tmp = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-bench-certs-"))
pw = tmp / "pw"
pw.write_text(PASSWORD + "\n")


def fresh(i, who):
    d = tmp / f"{who}{i}"
    d.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{d}", "--empty-password"], check=True, capture_output=True)
    return d


def timed(cmd):
    """Wall seconds, status, CPU seconds and minor page faults of one run."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, p.returncode, ru.ru_utime + ru.ru_stime, ru.ru_minflt


def has_key(d):
    p = subprocess.run(["certutil", "-K", "-d", f"sql:{d}"], capture_output=True, text=True)
    return "<" in p.stdout


load_before = os.getloadavg()[0]
ours, theirs, okays = [], [], []
cpu = {"sg": [], "pk": []}
faults = {"sg": [], "pk": []}
for i in range(ROUNDS):
    a, b = fresh(i, "sg"), fresh(i, "pk")
    runs = [("sg", a, [SEALGATE, "certs", "import", P12, "--profile", str(a), "--password-file", str(pw)]),
            ("pk", b, ["pk12util", "-i", P12, "-d", f"sql:{b}", "-w", str(pw)])]
    if i % 2:
        runs.reverse()
    for who, d, cmd in runs:
        t, rc, c, f = timed(cmd)
        (ours if who == "sg" else theirs).append(t)
        cpu[who].append(c)
        faults[who].append(f)
        okays.append(rc == 0 and has_key(d))
shutil.rmtree(tmp, ignore_errors=True)
if quick:
    print(f"ok 1 - both imported the key in every round" if all(okays) else "not ok 1 - an import failed")
    print("1..1")
    sys.exit(0 if all(okays) else 1)
m1, m2 = statistics.median(ours), statistics.median(theirs)
n1, n2 = min(ours), min(theirs)
c1, c2 = statistics.median(cpu["sg"]), statistics.median(cpu["pk"])
f1, f2 = statistics.median(faults["sg"]), statistics.median(faults["pk"])
print(f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
print(f"rounds {ROUNDS}: sealgate certs import median {m1 * 1000:.1f} ms (min {n1 * 1000:.1f}),"
      f" pk12util -i median {m2 * 1000:.1f} ms (min {n2 * 1000:.1f}),"
      f" ratio {m1 / m2:.2f} (of the minimums {n1 / n2:.2f}; goal <= 1.2); all imported: {all(okays)}")
print(f"CPU (user + system) median: sealgate {c1 * 1000:.1f} ms, pk12util {c2 * 1000:.1f} ms, ratio {c1 / c2:.2f};"
      f" minor page faults median: sealgate {f1:.0f}, pk12util {f2:.0f}")
sys.exit(0 if all(okays) else 1)
